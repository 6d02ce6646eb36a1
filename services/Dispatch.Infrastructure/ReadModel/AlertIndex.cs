using System.Text.Json;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Indexes the alert record by incident, so an incident's detail shows the alerts behind it without scanning the
/// record, however long ago it was trimmed: each incident keeps its first <see cref="MaxPerIncident"/> alerts, in the
/// order they were observed. A replayed entry adds the same member again, which changes nothing.
/// </summary>
public sealed class AlertIndex(
    IConnectionMultiplexer redis,
    KeySpace keys,
    IAlertRecordStream stream,
    ILogger<AlertIndex> logger
) : PartitionedStreamConsumer<RecordedAlert>(redis, stream, logger)
{
    /// <summary>The alerts kept per incident: the first ones, which discovered it, and enough after them.</summary>
    public const int MaxPerIncident = 200;

    private readonly ReadModelKeys _rm = new(keys);

    protected override string Group => "alert-index";

    protected override async Task<IReadOnlyCollection<int>> ApplyAsync(
        int partition,
        IReadOnlyList<RecordedAlert> entries,
        CancellationToken cancellationToken
    )
    {
        var batch = Redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        foreach (var recorded in entries)
        {
            if (recorded.Incident is not { } incident)
                continue;
            var key = _rm.Alerts(incident);
            writes.Add(
                batch.SortedSetAddAsync(
                    key,
                    JsonSerializer.Serialize(recorded, DispatchSerialization.Json),
                    recorded.Alert.ObservedAt.ToUnixTimeMilliseconds()
                )
            );
            writes.Add(batch.SortedSetRemoveRangeByRankAsync(key, MaxPerIncident, -1));
        }
        batch.Execute();
        await Task.WhenAll(writes);
        return [];
    }
}
