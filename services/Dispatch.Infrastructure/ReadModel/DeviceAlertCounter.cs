using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Counts the alerts each device sends per day (district time) from the alert record, for the wall screen's
/// noisiest devices and how many devices reported. The counts are a picture, not a ledger: an entry replayed after a
/// crash counts again. Each day's counts are kept for <see cref="Kept"/>.
/// </summary>
public sealed class DeviceAlertCounter(
    IConnectionMultiplexer redis,
    KeySpace keys,
    IAlertRecordStream stream,
    Catalog catalog,
    ILogger<DeviceAlertCounter> logger
) : PartitionedStreamConsumer<RecordedAlert>(redis, stream, logger)
{
    /// <summary>How long a day's counts stay: enough for today against yesterday.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(3);

    private readonly ReadModelKeys _rm = new(keys);

    protected override string Group => "device-alerts";

    protected override async Task<IReadOnlyCollection<int>> ApplyAsync(
        int partition,
        IReadOnlyList<RecordedAlert> entries,
        CancellationToken cancellationToken
    )
    {
        var batch = Redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        var days = entries.GroupBy(e =>
            DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(e.Alert.ObservedAt, catalog.Calendar.TimeZone).DateTime)
        );
        foreach (var day in days)
        {
            var key = _rm.DeviceAlerts(day.Key);
            foreach (var device in day.GroupBy(e => e.Alert.DeviceId))
                writes.Add(batch.SortedSetIncrementAsync(key, device.Key, device.Count()));
            writes.Add(batch.KeyExpireAsync(key, Kept));
        }
        batch.Execute();
        await Task.WhenAll(writes);
        return [];
    }
}
