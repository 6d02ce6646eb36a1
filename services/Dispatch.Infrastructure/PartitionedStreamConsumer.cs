using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// A stream split into partitions, each in its own hash slot: the key of each partition and how an entry reads.
/// </summary>
public interface IPartitionedStream<out TEntry>
{
    Partitions Partitions { get; }

    string Key(int partition);

    TEntry Read(StreamEntry entry);
}

/// <summary>
/// Reads every partition of a stream in a consumer group, all partitions at once, each in order, and acknowledges
/// an entry only after it is applied: a crash replays what was not applied yet, and entries a vanished consumer left
/// pending are claimed after a while. Applying must therefore be idempotent. Any number of instances share the work
/// of one group. An idle partition is polled less and less often (up to <see cref="MaxIdle"/>), a busy one at once.
/// </summary>
public abstract class PartitionedStreamConsumer<TEntry>(
    IConnectionMultiplexer redis,
    IPartitionedStream<TEntry> stream,
    ILogger logger
) : BackgroundService
{
    private static readonly TimeSpan MinIdle = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxIdle = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ClaimAfter = TimeSpan.FromSeconds(30);
    private readonly string _consumer = $"{Environment.MachineName}:{Environment.ProcessId}";
    private readonly HashSet<int> _groups = [];

    protected IConnectionMultiplexer Redis => redis;
    protected ILogger Logger => logger;
    protected IPartitionedStream<TEntry> Stream => stream;

    protected abstract string Group { get; }
    protected virtual int BatchSize => 256;

    /// <summary>
    /// Applies one partition's entries (in stream order). The entries at the indexes it returns are left pending:
    /// another consumer (or this one, after <see cref="ClaimAfter"/>) tries them again; the rest are acknowledged.
    /// </summary>
    protected abstract Task<IReadOnlyCollection<int>> ApplyAsync(
        int partition,
        IReadOnlyList<TEntry> entries,
        CancellationToken cancellationToken
    );

    /// <summary>
    /// Everything in every partition has been read by the group and applied (for tests and readiness).
    /// </summary>
    public async Task<bool> IsCaughtUpAsync()
    {
        var db = redis.GetDatabase();
        foreach (var partition in stream.Partitions.All)
        {
            var key = stream.Key(partition);
            if (!await db.KeyExistsAsync(key))
                continue;
            var group = (await db.StreamGroupInfoAsync(key)).FirstOrDefault(g => g.Name == Group);
            var last = (await db.StreamInfoAsync(key)).LastGeneratedId;
            if (group.Name is null || group.PendingMessageCount != 0 || group.LastDeliveredId != last)
                return false;
        }
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            stream.Partitions.All.Select(p => Task.Run(() => ConsumeAsync(p, stoppingToken), CancellationToken.None))
        );

    private async Task ConsumeAsync(int partition, CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        var key = stream.Key(partition);
        var position = StreamPosition.Beginning; // own pending entries first, after a restart
        var nextClaim = DateTimeOffset.UtcNow;
        RedisValue claimFrom = "0-0";
        var idle = MinIdle;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync(db, partition, key);
                if (DateTimeOffset.UtcNow >= nextClaim)
                {
                    var claimed = await db.StreamAutoClaimAsync(
                        key,
                        Group,
                        _consumer,
                        (long)ClaimAfter.TotalMilliseconds,
                        claimFrom,
                        BatchSize
                    );
                    // Follow the cursor through a long pending list; back at the start, wait a while.
                    claimFrom = claimed.NextStartId;
                    if (claimFrom == "0-0")
                        nextClaim = DateTimeOffset.UtcNow + ClaimAfter / 3;
                    if (claimed.ClaimedEntries.Length > 0)
                        await ApplyAndAcknowledgeAsync(db, partition, key, claimed.ClaimedEntries, stoppingToken);
                }
                var entries = await db.StreamReadGroupAsync(key, Group, _consumer, position, BatchSize);
                if (entries.Length == 0)
                {
                    if (position == StreamPosition.Beginning)
                    {
                        position = StreamPosition.NewMessages;
                        continue;
                    }
                    await Task.Delay(idle, stoppingToken);
                    idle = TimeSpan.FromTicks(Math.Min(MaxIdle.Ticks, idle.Ticks * 2));
                    continue;
                }
                idle = MinIdle;
                await ApplyAndAcknowledgeAsync(db, partition, key, entries, stoppingToken);
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
                    lock (_groups)
                        _groups.Remove(partition);
                logger.LogWarning(
                    e,
                    "Reading partition {Partition} of {Stream} for {Group} failed; trying again",
                    partition,
                    key,
                    Group
                );
                position = StreamPosition.Beginning;
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ApplyAndAcknowledgeAsync(
        IDatabase db,
        int partition,
        string key,
        StreamEntry[] entries,
        CancellationToken cancellationToken
    )
    {
        var read = new List<TEntry>(entries.Length);
        var unreadable = new List<int>();
        for (var i = 0; i < entries.Length; i++)
        {
            try
            {
                read.Add(stream.Read(entries[i]));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A poison entry: logged and acknowledged, so that it does not hold up the partition forever.
                logger.LogError(e, "Entry {Id} of {Stream} cannot be read; skipping it", entries[i].Id, key);
                unreadable.Add(i);
            }
        }
        var kept = entries.Where((_, i) => !unreadable.Contains(i)).ToArray();
        var left = await ApplyAsync(partition, read, cancellationToken);
        var done = kept.Where((_, i) => !left.Contains(i))
            .Select(e => e.Id)
            .Concat(unreadable.Select(i => entries[i].Id))
            .ToArray();
        if (done.Length > 0)
            await db.StreamAcknowledgeAsync(key, Group, done);
    }

    private async Task EnsureGroupAsync(IDatabase db, int partition, string key)
    {
        lock (_groups)
            if (_groups.Contains(partition))
                return;
        try
        {
            await db.StreamCreateConsumerGroupAsync(key, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal)) { }
        lock (_groups)
            _groups.Add(partition);
    }
}
