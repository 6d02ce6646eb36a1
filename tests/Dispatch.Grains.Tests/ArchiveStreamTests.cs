using System.Collections.Immutable;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.Blobs;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

/// <summary>
/// The archiver and the retention on a real redis-server, into a folder and into a real S3-compatible server: what is
/// archived comes back whole and once, whatever the archiver went through, and a stream is trimmed only below what the
/// archive holds and what every reader has read.
/// </summary>
public abstract class ArchiveStreamTests(TestStore redis, BlobS3Server s3) : IDisposable
{
    private static readonly Lifecycle Lifecycle = new(CatalogLoader.Load(CatalogLoader.DefaultDirectory()));
    private static readonly Partitions Partitions = new(4);
    private readonly KeySpace _keys = new($"archive-{Guid.NewGuid():N}"[..20]);
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-archive-").FullName;
    private readonly ArchiveOptions _options = new()
    {
        FlushInterval = TimeSpan.FromMilliseconds(100),
        PartEntries = 7,
    };

    public static TheoryData<string> Stores => new() { "directory", "s3" };

    private IBlobStore Store(string kind) => kind == "s3" ? s3.Store() : new DirectoryBlobStore(_folder);

    private ArchiveSources Sources => ArchiveSources.For(_keys, Partitions, _options, Lifecycle.Catalog);

    private StreamArchiver Archiver(IBlobStore blobs, int partEntries = 7) =>
        new(
            redis.Connection,
            Sources,
            blobs,
            _options with
            {
                PartEntries = partEntries,
            },
            NullLogger<StreamArchiver>.Instance
        );

    private ArchiveRetention Retention(IBlobStore blobs, TimeProvider time)
    {
        var pipelines = new ServiceCollection()
            .AddDispatchResilience()
            .BuildServiceProvider()
            .GetRequiredService<ResiliencePipelineProvider<string>>();
        return new ArchiveRetention(
            redis.Connection,
            _keys,
            Partitions,
            IncidentStore(),
            new ReadModelStore(redis.Connection, _keys, pipelines),
            Lifecycle,
            Sources,
            blobs,
            _options,
            time,
            NullLogger<ArchiveRetention>.Instance
        );
    }

    private RedisIncidentStore IncidentStore() => new(redis.Connection, _keys, Partitions, redis.Acknowledgement());

    [Theory, MemberData(nameof(Stores))]
    public async Task Archived_then_trimmed_with_the_archiver_killed_and_restarted_between_nothing_is_lost_or_doubled(
        string kind
    )
    {
        var blobs = Store(kind);
        var db = redis.Connection.GetDatabase();
        await WriteAsync(incidents: 9, alerts: 23, reads: 11);
        var written = await StreamsAsync();
        Assert.Equal(9 + 23 + 11, written.Count);
        // Another reader of one event stream has been given its first entries and acknowledged none of them.
        var slowStream = Sources.All.First(s =>
            s.Kind == ArchiveSources.Events && written.Keys.Any(k => k.Label == s.Label)
        );
        await db.StreamCreateConsumerGroupAsync(slowStream.Key, "slow-reader", StreamPosition.Beginning);
        var slowRead = await db.StreamReadGroupAsync(
            slowStream.Key,
            "slow-reader",
            "r1",
            StreamPosition.NewMessages,
            1
        );

        // The first archiver dies right after writing each part: its parts are in the store, nothing is acknowledged.
        var dying = new DiesAfterWriting(blobs);
        var first = Archiver(dying);
        await first.StartAsync(CancellationToken.None);
        await Until(() => Task.FromResult(dying.Written >= 3));
        await first.StopAsync(CancellationToken.None);
        Assert.True(dying.Written >= 3);
        var retention = Retention(blobs, TimeProvider.System);
        foreach (var source in Sources.All)
            Assert.Equal(0, await retention.TrimAsync(source, DateTimeOffset.UtcNow.AddDays(1)));
        Assert.Equal(written.Count, (await StreamsAsync()).Count);

        // Restarted (as the same consumer, after a restart of its process), it writes everything again and acknowledges
        // it, in parts cut otherwise than before (as a restart under another load would), so some entries lie in two
        // parts.
        var second = Archiver(blobs, partEntries: 4);
        await second.StartAsync(CancellationToken.None);
        await Until(second.IsCaughtUpAsync);
        await second.StopAsync(CancellationToken.None);
        var trimmed = 0L;
        foreach (var source in Sources.All)
            trimmed += await retention.TrimAsync(source, DateTimeOffset.UtcNow.AddDays(1));

        // Trimmed down to the slow reader's first unacknowledged entry, which it and everything after it keep.
        var left = await StreamsAsync();
        Assert.Equal(written.Count - left.Count, trimmed);
        Assert.All(left.Keys, k => Assert.Equal(slowStream.Label, k.Label));
        Assert.Equal(slowRead.Single().Id.ToString(), left.Keys.Min(k => k.Id).ToString());

        var archive = new IncidentArchive(blobs, Sources, Lifecycle);
        var today = Sources.DayOf(DateTimeOffset.UtcNow);
        var archived = new List<ArchivedEntry>();
        foreach (var k in new[] { ArchiveSources.Events, ArchiveSources.Alerts, ArchiveSources.Reads })
            archived.AddRange(await archive.EntriesAsync(k, today.AddDays(-1), today));
        Assert.Equal(
            written.Keys.OrderBy(k => k.Label).ThenBy(k => k.Id),
            archived.Select(e => (e.Label, e.Id)).OrderBy(k => k.Label).ThenBy(k => k.Id)
        );
        foreach (var entry in archived)
            Assert.Equal(written[(entry.Label, entry.Id)], entry.Fields.Select(f => (f.Key, f.Value)));
        // The parts hold some entries twice (the first archiver's and the second's); read back, each is there once.
        var lines = 0;
        foreach (var blob in await blobs.ListAsync(""))
            lines += Ndjson.Read((await blobs.GetAsync(blob.Name))!).Count;
        Assert.True(
            lines > written.Count,
            $"{lines} lines for {written.Count} entries: the restart should have written some twice"
        );

        // The archive's events read as the live stream's did.
        var stream = new IncidentEventStream(_keys, Partitions);
        var events = archived.Where(e => e.Label.StartsWith('p')).Select(e => stream.Read(e.ToStreamEntry())).ToList();
        Assert.Equal(9, events.Select(e => e.Number).Distinct().Count());
        Assert.All(events, e => Assert.IsType<NoteAdded>(Assert.Single(e.Events)));

        // Past days are compacted into one segment per stream and day, which reads back the same.
        var tomorrow = new ShiftedTime(TimeSpan.FromDays(1));
        var pass = await Retention(blobs, tomorrow).RunAsync();
        Assert.True(pass.SegmentsCompacted > 0);
        var names = (await blobs.ListAsync("")).Select(b => b.Name).ToList();
        Assert.DoesNotContain(names, ArchiveLayout.IsPart);
        Assert.Equal(
            names.Count,
            names.Select(n => (ArchiveLayout.DayOf(n), ArchiveLayout.LabelOf(n), n.Split('/')[0])).Distinct().Count()
        );
        var again = new List<ArchivedEntry>();
        foreach (var k in new[] { ArchiveSources.Events, ArchiveSources.Alerts, ArchiveSources.Reads })
            again.AddRange(await archive.EntriesAsync(k, today.AddDays(-1), today));
        Assert.Equal(archived.Select(e => (e.Label, e.Id)), again.Select(e => (e.Label, e.Id)));
    }

    [Fact]
    public async Task A_stream_the_archiver_has_not_read_is_not_trimmed_and_entries_inside_the_window_stay()
    {
        var blobs = Store("directory");
        await WriteAsync(incidents: 3, alerts: 5, reads: 2);
        var retention = Retention(blobs, TimeProvider.System);
        foreach (var source in Sources.All)
            Assert.Equal(0, await retention.TrimAsync(source, DateTimeOffset.UtcNow.AddDays(1)));

        var archiver = Archiver(blobs);
        await archiver.StartAsync(CancellationToken.None);
        await Until(archiver.IsCaughtUpAsync);
        await archiver.StopAsync(CancellationToken.None);
        var before = await StreamsAsync();
        // Archived, but younger than their windows (7, 30 and 90 days): they stay in Redis.
        var pass = await retention.RunAsync();
        Assert.True(pass.Ran);
        Assert.Equal(0, pass.EntriesTrimmed);
        Assert.Equal(before.Count, (await StreamsAsync()).Count);
    }

    /// <summary>
    /// Incidents (one note each, in the event streams), alerts in the alert record, and reads in the read log.
    /// </summary>
    private async Task WriteAsync(int incidents, int alerts, int reads)
    {
        var store = IncidentStore();
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < incidents; i++)
        {
            var number = $"PT-{at:yyyyMMdd}-{i + 1:D6}";
            var note = new NoteAdded($"note {i}")
            {
                Seq = 1,
                At = at,
                CommandId = $"c{i}",
            };
            await store.CommitAsync(
                number,
                0,
                new IncidentRecord
                {
                    Incident = new Incident
                    {
                        Number = number,
                        Version = 1,
                        Scenario = "shop",
                        Type = "SHOP_BIN_OVERFLOW",
                        Street = "CSL",
                        Description = "d",
                    },
                    Timeline = [note],
                    Results = ImmutableDictionary<string, CommandResult>.Empty,
                },
                [note],
                null,
                deadlineUnchanged: false,
                traceParent: null
            );
        }
        await using (var journal = new RedisAlertJournal(redis.Connection, _keys, Partitions, redis.Acknowledgement()))
            for (var i = 0; i < alerts; i++)
            {
                var id = $"alert-{i}";
                await journal.AppendAsync(
                    new JournalEntry(
                        new Alert(id, $"cam-{i % 6}", "gw", "CREEK_LITTERING", at, new GeoPoint(31.25, 121.41), 2),
                        $"cam-{i % 6}",
                        new AlertAck(id, Disposition.Attached, "PT-20261128-000001"),
                        null,
                        1
                    )
                );
            }
        var log = new ReadLog(redis.Connection, _keys, TimeProvider.System);
        for (var i = 0; i < reads; i++)
            await log.RecordAsync(
                new Principal($"auditor-{i}", Dispatch.Domain.Role.Auditor),
                $"PT-20261128-{i:D6}",
                "detail"
            );
    }

    /// <summary>Every entry now in the archived streams, by (label, id), with its fields.</summary>
    private async Task<Dictionary<(string Label, StreamId Id), IEnumerable<(string, string)>>> StreamsAsync()
    {
        var entries = new Dictionary<(string, StreamId), IEnumerable<(string, string)>>();
        foreach (var source in Sources.All)
            foreach (var e in await redis.Connection.GetDatabase().StreamRangeAsync(source.Key))
                entries[(source.Label, StreamId.Parse(e.Id!))] =
                [
                    .. e.Values.Select(v => ((string)v.Name!, (string)v.Value!)),
            ];
        return entries;
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the condition did not hold within 30 s");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A blob store whose writer dies right after each write, before anything else it would have done.
    /// </summary>
    private sealed class DiesAfterWriting(IBlobStore inner) : IBlobStore
    {
        private int _written;
        public int Written => _written;
        public string Description => inner.Description;

        public async Task PutAsync(
            string name,
            ReadOnlyMemory<byte> content,
            CancellationToken cancellationToken = default
        )
        {
            await inner.PutAsync(name, content, cancellationToken);
            Interlocked.Increment(ref _written);
            throw new IOException("the archiver died right after this write");
        }

        public Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default) =>
            inner.GetAsync(name, cancellationToken);

        public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) =>
            inner.ExistsAsync(name, cancellationToken);

        public Task<IReadOnlyList<BlobInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(name, cancellationToken);
    }

    /// <summary>The clock moved by a fixed amount: the retention of another day.</summary>
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}

/// <summary>The archive tests on one redis-server.</summary>
[Collection(BlobS3Collection.Collection)]
public sealed class ArchiveStreamTestsOnRedisServer(RedisFixture redis, BlobS3Server s3)
    : ArchiveStreamTests(redis, s3);

/// <summary>The archive tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class ArchiveStreamTestsOnRedisCluster(RedisClusterFixture redis, BlobS3Server s3)
    : ArchiveStreamTests(redis, s3);
