using Dispatch.Infrastructure.Blobs;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// Copies every entry of the archived streams (<see cref="ArchiveSources"/>) into the blob store, in a consumer group
/// of
/// its own (<see cref="Group"/>) on each stream. Entries read are gathered per stream until
/// <see cref="ArchiveOptions.PartEntries"/> of them are there or <see cref="ArchiveOptions.FlushInterval"/> has passed;
/// they are then written as one part per day (gzip NDJSON) and acknowledged only after that write returned, so an
/// archiver that dies loses nothing: its entries stay pending, it reads them again when it comes back, and another
/// instance takes them over after <see cref="ArchiveOptions.ClaimAfter"/>. An entry can therefore land in two parts;
/// readers of the archive drop the second by its stream id. Any number of instances may run it; the group shares the
/// entries out. The retention trims a stream only below what this group has acknowledged.
/// </summary>
public sealed class StreamArchiver(
    IConnectionMultiplexer redis,
    ArchiveSources sources,
    IBlobStore blobs,
    ArchiveOptions options,
    ILogger<StreamArchiver> logger
) : BackgroundService
{
    /// <summary>The archiver's consumer group on every archived stream.</summary>
    public const string Group = "archive";

    private const int ReadBatch = 1000;
    private static readonly TimeSpan MinIdle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);
    private readonly string _consumer = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Everything in every archived stream has been written to the blob store and acknowledged.</summary>
    public async Task<bool> IsCaughtUpAsync()
    {
        var db = redis.GetDatabase();
        foreach (var source in sources.All)
        {
            if (!await db.KeyExistsAsync(source.Key))
                continue;
            var group = (await db.StreamGroupInfoAsync(source.Key)).FirstOrDefault(g => g.Name == Group);
            var last = (await db.StreamInfoAsync(source.Key)).LastGeneratedId;
            if (group.Name is null || group.PendingMessageCount != 0 || group.LastDeliveredId != last)
                return false;
        }
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(sources.All.Select(s => Task.Run(() => ArchiveAsync(s, stoppingToken), CancellationToken.None)));

    private async Task ArchiveAsync(ArchiveSource source, CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        var buffer = new SortedDictionary<StreamId, StreamEntry>();
        var oldest = DateTimeOffset.MaxValue;
        RedisValue position = "0-0"; // this consumer's own pending entries first: what it read before a restart
        var nextClaim = DateTimeOffset.UtcNow;
        var groupReady = false;
        var idle = MinIdle;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                    groupReady = await EnsureGroupAsync(db, source.Key);
                var read = 0;
                if (buffer.Count < options.PartEntries)
                {
                    if (DateTimeOffset.UtcNow >= nextClaim)
                    {
                        // Entries an archiver that died had read and not written: take them over.
                        var claimed = await db.StreamAutoClaimAsync(
                            source.Key,
                            Group,
                            _consumer,
                            (long)options.ClaimAfter.TotalMilliseconds,
                            "0-0",
                            ReadBatch
                        );
                        read += Add(buffer, claimed.ClaimedEntries);
                        nextClaim = DateTimeOffset.UtcNow + options.ClaimAfter / 3;
                    }
                    var entries = await db.StreamReadGroupAsync(
                        source.Key,
                        Group,
                        _consumer,
                        position,
                        Math.Min(ReadBatch, options.PartEntries - buffer.Count)
                    );
                    if (position != StreamPosition.NewMessages)
                        position = entries.Length == 0 ? StreamPosition.NewMessages : entries[^1].Id;
                    read += Add(buffer, entries);
                }
                if (read > 0 && oldest == DateTimeOffset.MaxValue)
                    oldest = DateTimeOffset.UtcNow;
                if (
                    buffer.Count > 0
                    && (buffer.Count >= options.PartEntries || DateTimeOffset.UtcNow - oldest >= options.FlushInterval)
                )
                {
                    await FlushAsync(db, source, buffer, stoppingToken);
                    oldest = DateTimeOffset.MaxValue;
                    continue;
                }
                if (read == 0)
                {
                    await Task.Delay(idle, stoppingToken);
                    idle = TimeSpan.FromTicks(Math.Min(MaxIdle.Ticks, idle.Ticks * 2));
                }
                else
                    idle = MinIdle;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (
                    e is RedisServerException { Message: var message }
                    && message.StartsWith("NOGROUP", StringComparison.Ordinal)
                )
                    groupReady = false;
                logger.LogWarning(
                    e,
                    "Archiving {Stream} failed; its entries stay pending and are tried again",
                    source.Key
                );
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // A graceful stop writes what was gathered; should that fail, the entries stay pending for the next start.
        if (buffer.Count > 0)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await FlushAsync(db, source, buffer, timeout.Token);
            }
            catch (Exception e)
            {
                logger.LogWarning(
                    e,
                    "Archiving {Stream} at stop failed; {Count} entries stay pending",
                    source.Key,
                    buffer.Count
                );
            }
        }
    }

    private static int Add(SortedDictionary<StreamId, StreamEntry> buffer, StreamEntry[] entries)
    {
        var added = 0;
        foreach (var entry in entries)
        {
            // An entry deleted from the stream comes back without values: there is nothing left of it to keep.
            if (entry.IsNull || entry.Values is null || entry.Values.Length == 0)
                continue;
            if (buffer.TryAdd(StreamId.Parse(entry.Id.ToString()), entry))
                added++;
        }
        return added;
    }

    /// <summary>Writes the gathered entries as one part per day, then acknowledges them all.</summary>
    private async Task FlushAsync(
        IDatabase db,
        ArchiveSource source,
        SortedDictionary<StreamId, StreamEntry> buffer,
        CancellationToken cancellationToken
    )
    {
        foreach (var day in buffer.GroupBy(e => sources.DayOf(e.Key.Time)))
        {
            var name = ArchiveLayout.Part(source.Kind, day.Key, source.Label, day.First().Key, day.Last().Key);
            await blobs.PutAsync(
                name,
                Ndjson.Write(day.Select(e => ArchivedEntry.ToLine(source, e.Value))),
                cancellationToken
            );
        }
        RedisValue[] ids = [.. buffer.Values.Select(e => e.Id)];
        foreach (var chunk in ids.Chunk(ReadBatch))
            await db.StreamAcknowledgeAsync(source.Key, Group, chunk);
        buffer.Clear();
    }

    private static async Task<bool> EnsureGroupAsync(IDatabase db, string key)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(key, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal)) { }
        return true;
    }
}
