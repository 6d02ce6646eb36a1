using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Reads a Redis Stream in a consumer group and acknowledges an entry only after it is applied, so a crash
/// replays what was not applied yet; entries a vanished consumer left pending are claimed after a while.
/// Applying must therefore be idempotent. Several API instances share the work of one group.
/// </summary>
public abstract class StreamConsumer(IConnectionMultiplexer redis, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ClaimAfter = TimeSpan.FromSeconds(30);
    private readonly string _consumer = $"{Environment.MachineName}:{Environment.ProcessId}";

    protected IConnectionMultiplexer Redis => redis;
    protected ILogger Logger => logger;

    protected abstract string Stream { get; }
    protected abstract string Group { get; }
    protected virtual int BatchSize => 256;

    /// <summary>
    /// Applies entries (in stream order). The ids it returns are left pending: another consumer (or this one,
    /// after <see cref="ClaimAfter"/>) tries them again; the rest are acknowledged.
    /// </summary>
    protected abstract Task<IReadOnlyCollection<RedisValue>> ApplyAsync(IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken);

    /// <summary>Everything in the stream has been read by the group and applied (for tests and readiness).</summary>
    public async Task<bool> IsCaughtUpAsync()
    {
        var db = redis.GetDatabase();
        var groups = await db.StreamGroupInfoAsync(Stream);
        var group = groups.FirstOrDefault(g => g.Name == Group);
        var last = (await db.StreamInfoAsync(Stream)).LastGeneratedId;
        return group.Name is not null && group.PendingMessageCount == 0 && group.LastDeliveredId == last;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        var position = StreamPosition.Beginning; // own pending entries first, after a restart
        var nextClaim = DateTimeOffset.UtcNow;
        RedisValue claimFrom = "0-0";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync(db);
                StreamEntry[] entries;
                if (DateTimeOffset.UtcNow >= nextClaim)
                {
                    var claimed = await db.StreamAutoClaimAsync(Stream, Group, _consumer, (long)ClaimAfter.TotalMilliseconds, claimFrom, BatchSize);
                    entries = claimed.ClaimedEntries;
                    // Follow the cursor through a long pending list; back at the start, wait a while.
                    claimFrom = claimed.NextStartId;
                    if (claimFrom == "0-0") nextClaim = DateTimeOffset.UtcNow + ClaimAfter / 3;
                    if (entries.Length > 0) await ApplyAndAcknowledgeAsync(db, entries, stoppingToken);
                }
                entries = await db.StreamReadGroupAsync(Stream, Group, _consumer, position, BatchSize);
                if (entries.Length == 0)
                {
                    if (position == StreamPosition.Beginning) position = StreamPosition.NewMessages;
                    else await Task.Delay(Idle, stoppingToken);
                    continue;
                }
                await ApplyAndAcknowledgeAsync(db, entries, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (e is RedisServerException { Message: var message } && message.StartsWith("NOGROUP", StringComparison.Ordinal)) _groupExists = false;
                logger.LogWarning(e, "Reading {Stream} for {Group} failed; trying again", Stream, Group);
                position = StreamPosition.Beginning;
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ApplyAndAcknowledgeAsync(IDatabase db, StreamEntry[] entries, CancellationToken cancellationToken)
    {
        var left = await ApplyAsync(entries, cancellationToken);
        var done = entries.Select(e => e.Id).Where(id => !left.Contains(id)).ToArray();
        if (done.Length > 0) await db.StreamAcknowledgeAsync(Stream, Group, done);
    }

    private bool _groupExists;

    private async Task EnsureGroupAsync(IDatabase db)
    {
        if (_groupExists) return;
        try
        {
            await db.StreamCreateConsumerGroupAsync(Stream, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
        }
        _groupExists = true;
    }
}
