using System.Globalization;
using System.Text.Json;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>An alert as the alert record holds it, with the answer it got.</summary>
public sealed record RecordedAlert(Alert Alert, Disposition Disposition, string? Incident);

/// <summary>
/// The alert record and the devices' journals in Redis, partitioned by device: a partition's record
/// (<c>{svc:aN}:alerts</c>) and the journals of its devices (<c>{svc:aN}:journal:&lt;device&gt;</c>, capped at
/// <see cref="IAlertJournal.Kept"/>) share a hash tag, so one script writes both for a whole batch. Each partition has
/// its own group commit: the alerts handed in while its previous write was in flight go into the next one, and a
/// failure is that partition's alone. With replicas configured, the batch's acks wait for them.
/// </summary>
public sealed class RedisAlertJournal : IAlertJournal, IAlertRecordStream, IAsyncDisposable
{
    private const int FieldsPerAlert = 11;

    /// <summary>
    /// KEYS[1]: the partition's record; KEYS[1 + i]: the journal of alert i's device. ARGV, 11 per alert: alert id,
    /// device, gateway, disposition, incident, alert JSON; the window's key, end (Unix ms), incident type and
    /// priority; the count of incidents opened.
    /// </summary>
    private const string Append = """
        for i = 1, #KEYS - 1 do
          local b = (i - 1) * 11
          redis.call('XADD', KEYS[1], '*', 'alert_id', ARGV[b + 1], 'device', ARGV[b + 2], 'gateway', ARGV[b + 3],
            'disposition', ARGV[b + 4], 'incident', ARGV[b + 5], 'alert', ARGV[b + 6])
          redis.call('XADD', KEYS[1 + i], 'MAXLEN', '~', '1024', '*', 'a', ARGV[b + 1], 'd', ARGV[b + 4],
            'i', ARGV[b + 5], 'k', ARGV[b + 7], 'u', ARGV[b + 8], 't', ARGV[b + 9], 'p', ARGV[b + 10],
            'o', ARGV[b + 11])
        end
        return #KEYS - 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly KeySpace _keys;
    private readonly ReplicaAcknowledgement _replicas;
    private readonly GroupCommit<(JournalEntry Entry, string Alert)>[] _partitions;

    public RedisAlertJournal(
        IConnectionMultiplexer redis,
        KeySpace keys,
        Partitions partitions,
        ReplicaAcknowledgement replicas
    )
    {
        (_redis, _keys, _replicas, Partitions) = (redis, keys, replicas, partitions);
        _partitions =
        [
            .. partitions.All.Select(p => new GroupCommit<(JournalEntry, string)>(batch => WriteAsync(p, batch))),
        ];
    }

    public Partitions Partitions { get; }

    /// <summary>
    /// A partition's alert record (entries with fields alert_id, device, gateway, disposition, incident, alert).
    /// </summary>
    public string Key(int partition) => Record(_keys, partition);

    public static string Record(KeySpace keys, int partition) => keys.Tagged($"a{partition}", "alerts");

    private string Journal(string deviceId) => _keys.Tagged($"a{Partitions.Of(deviceId)}", $"journal:{deviceId}");

    public Task AppendAsync(JournalEntry entry)
    {
        // Serialized here, so that an alert that cannot be written fails alone, not the batch it would have joined.
        var alert = JsonSerializer.Serialize(entry.Alert, DispatchSerialization.Json);
        return _partitions[Partitions.Of(entry.DeviceId)].AddAsync((entry, alert));
    }

    public async Task<IReadOnlyList<JournalEntry>> RecentAsync(string deviceId)
    {
        var entries = await _redis
            .GetDatabase()
            .StreamRangeAsync(Journal(deviceId), count: IAlertJournal.Kept, messageOrder: Order.Descending);
        return
        [
            .. entries
                .Reverse()
                .Select(e =>
                {
                    var incident = e["i"] is { IsNullOrEmpty: false } i ? (string?)i : null;
                    var window =
                        e["k"] is { IsNullOrEmpty: false } key && incident is not null
                            ? new DedupEntry(
                                key!,
                                incident,
                                e["t"]!,
                                Enum.Parse<Priority>(e["p"]!),
                                DateTimeOffset.FromUnixTimeMilliseconds((long)e["u"])
                            )
                            : null;
                    return new JournalEntry(
                        null,
                        deviceId,
                        new AlertAck(e["a"]!, Enum.Parse<Disposition>(e["d"]!), incident),
                        window,
                        (long)e["o"]
                    );
                }),
        ];
    }

    public async Task<long> CountAsync(string deviceId)
    {
        var db = _redis.GetDatabase();
        var journal = Journal(deviceId);
        return await db.KeyExistsAsync(journal) ? (await db.StreamInfoAsync(journal)).EntriesAdded : 0;
    }

    public RecordedAlert Read(StreamEntry entry) =>
        new(
            JsonSerializer.Deserialize<Alert>((string)entry["alert"]!, DispatchSerialization.Json)!,
            Enum.Parse<Disposition>(entry["disposition"]!),
            entry["incident"] is { IsNullOrEmpty: false } incident ? (string?)incident : null
        );

    private async Task WriteAsync(int partition, IReadOnlyList<(JournalEntry Entry, string Alert)> batch)
    {
        var keys = new RedisKey[batch.Count + 1];
        var values = new RedisValue[batch.Count * FieldsPerAlert];
        keys[0] = Record(_keys, partition);
        for (var i = 0; i < batch.Count; i++)
        {
            var (e, alert) = batch[i];
            keys[i + 1] = Journal(e.DeviceId);
            var at = i * FieldsPerAlert;
            values[at] = e.Ack.AlertId;
            values[at + 1] = e.DeviceId;
            values[at + 2] = e.Alert?.GatewayId ?? "";
            values[at + 3] = e.Ack.Disposition.ToString();
            values[at + 4] = e.Ack.IncidentNumber ?? "";
            values[at + 5] = alert;
            values[at + 6] = e.Window?.Key ?? "";
            values[at + 7] = e.Window is { } w
                ? w.Until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
                : "";
            values[at + 8] = e.Window?.Type ?? "";
            values[at + 9] = e.Window?.Priority.ToString() ?? "";
            values[at + 10] = e.Opened;
        }
        await _redis.GetDatabase().ScriptEvaluateAsync(Append, keys, values);
        await _replicas.WaitAsync(keys[0]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions)
            await partition.DisposeAsync();
    }
}

/// <summary>The alert record's partitions, as the read side consumes them.</summary>
public interface IAlertRecordStream : IPartitionedStream<RecordedAlert>;
