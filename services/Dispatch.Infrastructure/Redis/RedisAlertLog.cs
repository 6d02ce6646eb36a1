using System.Text.Json;
using System.Threading.Channels;
using Channel = System.Threading.Channels.Channel;
using Dispatch.Abstractions;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// The alert record in Redis, written by group commit: the alerts that devices hand in while one write is in flight
/// all go into the next, one pipelined batch, and each device is answered when its own part of the batch is stored
/// (one device's failure is not another's). A batch adds, per alert, an entry to the alert record
/// (<see cref="RedisKeys.Alerts"/>) and the answer to the device's capped answer stream
/// (<see cref="RedisKeys.DeviceAcks"/>), and per device its count.
/// </summary>
public sealed class RedisAlertLog : IAlertLog, IAsyncDisposable
{
    private const int MaxBatchDevices = 512;

    private readonly IConnectionMultiplexer _redis;
    private readonly KeySpace _keys;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public RedisAlertLog(IConnectionMultiplexer redis, KeySpace keys)
    {
        (_redis, _keys) = (redis, keys);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The alert record (XADD entries with fields alert_id, device, gateway, disposition, incident, alert).</summary>
    public static string Record(KeySpace keys) => keys.Shared("alerts");

    /// <summary>A device's answers to its recent alerts (XADD entries with fields alert_id, disposition, incident; capped).</summary>
    private string DeviceAcks(string deviceId) => _keys.Shared($"alerts:acks:{deviceId}");

    /// <summary>Hash: device id → how many of its alerts were recorded.</summary>
    private string AlertCounts => _keys.Shared("alerts:counts");

    public Task AppendAsync(string deviceId, IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        var pending = new Pending(deviceId, alerts, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(RedisAlertLog));
        return pending.Stored.Task;
    }

    public async Task<IReadOnlyList<AlertAck>> RecentAcksAsync(string deviceId, int count)
    {
        var entries = await _redis.GetDatabase().StreamRangeAsync(DeviceAcks(deviceId), count: count, messageOrder: Order.Descending);
        return [.. entries.Reverse().Select(e => new AlertAck(
            e["alert_id"]!, Enum.Parse<Disposition>(e["disposition"]!), e["incident"] is { IsNullOrEmpty: false } incident ? (string?)incident : null))];
    }

    public async Task<long> CountAsync(string deviceId) => (long?)await _redis.GetDatabase().HashGetAsync(AlertCounts, deviceId) ?? 0;

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>();
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatchDevices && _pending.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                await WriteAsync(batch);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Stored.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Pending> pending)
    {
        var batch = _redis.GetDatabase().CreateBatch();
        var devices = new List<Task>(pending.Count);
        foreach (var p in pending)
        {
            string[] documents;
            try
            {
                documents = [.. p.Alerts.Select(a => JsonSerializer.Serialize(a.Alert, DispatchSerialization.Json))];
            }
            catch (Exception e)
            {
                p.Stored.TrySetException(e); // before any of its commands joined the batch
                continue;
            }
            var writes = new List<Task>(p.Alerts.Count * 2 + 1);
            for (var i = 0; i < p.Alerts.Count; i++)
            {
                var (alert, ack) = p.Alerts[i];
                var incident = ack.IncidentNumber ?? "";
                var disposition = ack.Disposition.ToString();
                writes.Add(batch.StreamAddAsync(Record(_keys),
                [
                    new("alert_id", alert.AlertId), new("device", p.Device), new("gateway", alert.GatewayId),
                    new("disposition", disposition), new("incident", incident), new("alert", documents[i]),
                ]));
                // Trimmed approximately (by whole nodes), so at least the last KeptAcks are there.
                writes.Add(batch.StreamAddAsync(DeviceAcks(p.Device),
                    [new("alert_id", alert.AlertId), new("disposition", disposition), new("incident", incident)],
                    maxLength: IAlertLog.KeptAcks, useApproximateMaxLength: true));
            }
            writes.Add(batch.HashIncrementAsync(AlertCounts, p.Device, p.Alerts.Count));
            devices.Add(AnswerAsync(p, writes));
        }
        batch.Execute();
        await Task.WhenAll(devices);
    }

    private static async Task AnswerAsync(Pending pending, List<Task> writes)
    {
        try
        {
            await Task.WhenAll(writes);
            pending.Stored.TrySetResult();
        }
        catch (Exception e)
        {
            pending.Stored.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    private sealed record Pending(string Device, IReadOnlyList<(Alert Alert, AlertAck Ack)> Alerts, TaskCompletionSource Stored);
}
