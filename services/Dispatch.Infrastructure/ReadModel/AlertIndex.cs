using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Indexes the alert record by incident, so an incident's detail shows the alerts behind it without scanning
/// the record. Adding a stream id to a sorted set twice changes nothing, so a replay is harmless.
/// </summary>
public sealed class AlertIndex(IConnectionMultiplexer redis, KeySpace keys, ILogger<AlertIndex> logger) : StreamConsumer(redis, logger)
{
    /// <summary>The alerts kept per incident: the first ones, which discovered it, and enough after them.</summary>
    public const int MaxPerIncident = 200;

    protected override string Stream => RedisAlertLog.Record(keys);
    protected override string Group => "alert-index";

    protected override async Task<IReadOnlyCollection<RedisValue>> ApplyAsync(IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken)
    {
        var batch = Redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        foreach (var entry in entries)
        {
            if (entry["incident"] is { IsNullOrEmpty: false } incident)
            {
                var key = new ReadModelKeys(keys).Alerts((string)incident!);
                writes.Add(batch.SortedSetAddAsync(key, entry.Id, Score(entry.Id)));
                writes.Add(batch.SortedSetRemoveRangeByRankAsync(key, MaxPerIncident, -1));
            }
        }
        batch.Execute();
        await Task.WhenAll(writes);
        return [];
    }

    /// <summary>The stream id's time part (ms), so the set keeps the alerts in the order they were recorded.</summary>
    private static double Score(RedisValue id) => double.Parse(((string)id!).Split('-')[0]);
}
