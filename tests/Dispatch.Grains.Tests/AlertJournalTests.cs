using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>The alert record and the devices' journals on a real redis-server.</summary>
public abstract class AlertJournalTests(TestStore redis)
{
    private readonly KeySpace _keys = new($"alerts-{Guid.NewGuid():N}");
    private static readonly Partitions Partitions = new(4);

    private RedisAlertJournal Journal() => new(redis.Connection, _keys, Partitions, redis.Acknowledgement());

    private static JournalEntry Taken(
        string device,
        string id,
        Disposition disposition = Disposition.Attached,
        double confidence = 0.9,
        string? key = null,
        DateTimeOffset? until = null,
        long opened = 1
    ) =>
        new(
            new Alert(
                id,
                device,
                "gw",
                "CREEK_LITTERING",
                DateTimeOffset.UnixEpoch,
                new GeoPoint(31.25, 121.41),
                2,
                new Detection("m", "1", confidence, [])
            ),
            device,
            new AlertAck(id, disposition, "PT-20261128-000001"),
            key is null
                ? null
                : new DedupEntry(key, "PT-20261128-000001", "CREEK_LITTERING", Priority.P3, until!.Value),
            opened
        );

    [Fact]
    public async Task A_device_gets_back_its_answers_windows_and_counts_in_order()
    {
        await using var journal = Journal();
        var until = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        await journal.AppendAsync(
            Taken("cam-1", "a1", Disposition.NewIncident, key: "cam-1/CREEK_LITTERING", until: until)
        );
        await journal.AppendAsync(Taken("cam-1", "a2"));
        await journal.AppendAsync(Taken("cam-2", "b1", Disposition.Suppressed, opened: 0));
        await journal.AppendAsync(Taken("cam-1", "a3", opened: 7));

        var recent = await journal.RecentAsync("cam-1");
        Assert.Equal(["a1", "a2", "a3"], recent.Select(e => e.Ack.AlertId));
        Assert.Equal(
            [Disposition.NewIncident, Disposition.Attached, Disposition.Attached],
            recent.Select(e => e.Ack.Disposition)
        );
        Assert.Equal(
            new DedupEntry("cam-1/CREEK_LITTERING", "PT-20261128-000001", "CREEK_LITTERING", Priority.P3, until),
            recent[0].Window
        );
        Assert.Null(recent[1].Window);
        Assert.Equal(7, recent[^1].Opened);
        Assert.All(recent, e => Assert.Equal("PT-20261128-000001", e.Ack.IncidentNumber));
        Assert.Equal(
            (3L, 1L, 0L),
            (await journal.CountAsync("cam-1"), await journal.CountAsync("cam-2"), await journal.CountAsync("cam-3"))
        );
        Assert.Empty(await journal.RecentAsync("cam-3"));
    }

    [Fact]
    public async Task Every_alert_is_in_the_record_of_its_devices_partition_with_its_answer()
    {
        await using var journal = Journal();
        var devices = Enumerable.Range(0, 12).Select(i => $"cam-{i}").ToList();
        await Task.WhenAll(devices.Select(d => journal.AppendAsync(Taken(d, $"alert-of-{d}"))));

        var db = redis.Connection.GetDatabase();
        foreach (var device in devices)
        {
            var record = await db.StreamRangeAsync(journal.Key(Partitions.Of(device)));
            var mine = record.Select(journal.Read).Single(r => r.Alert.DeviceId == device);
            Assert.Equal(
                ($"alert-of-{device}", Disposition.Attached, "PT-20261128-000001"),
                (mine.Alert.AlertId, mine.Disposition, mine.Incident)
            );
        }
        Assert.True(devices.Select(Partitions.Of).Distinct().Count() > 1, "the devices should spread over partitions");
    }

    [Fact]
    public async Task An_alert_that_cannot_be_written_fails_alone_and_the_others_of_its_partition_are_stored()
    {
        await using var journal = Journal();
        // Handed in back to back, so that most share a batch with the one that cannot be written (NaN has no JSON).
        var writes = Enumerable
            .Range(0, 40)
            .Select(i =>
                Task.Run(() => journal.AppendAsync(Taken($"cam-{i}", $"a{i}", confidence: i == 20 ? double.NaN : 0.9)))
            )
            .ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => writes[20]);
        await Task.WhenAll(writes.Where((_, i) => i != 20));
        var db = redis.Connection.GetDatabase();
        var recorded = new List<string>();
        foreach (var partition in Partitions.All)
            recorded.AddRange(
                (await db.StreamRangeAsync(journal.Key(partition))).Select(e => journal.Read(e).Alert.AlertId)
            );
        Assert.Equal(Enumerable.Range(0, 40).Where(i => i != 20).Select(i => $"a{i}").Order(), recorded.Order());
        Assert.Equal(0, await journal.CountAsync("cam-20"));
    }
}

/// <summary>The alert record tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class AlertJournalTestsOnRedisServer(RedisFixture redis) : AlertJournalTests(redis);

/// <summary>The alert record tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class AlertJournalTestsOnRedisCluster(RedisClusterFixture redis) : AlertJournalTests(redis);
