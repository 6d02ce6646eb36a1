using System.Text.Json;
using System.Threading.Channels;
using Channel = System.Threading.Channels.Channel;
using Dispatch.Contracts;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Grains;

/// <summary>
/// The alert record in Redis, written by group commit: the alerts that devices hand in while one write is in flight
/// all go into the next, one pipelined batch, and each device is answered when the batch holding its alerts is
/// stored. A batch adds, per alert, an entry to the alert record (<see cref="RedisKeys.Alerts"/>) and the answer to
/// the device's capped answer stream (<see cref="RedisKeys.DeviceAcks"/>), and per device its count.
/// </summary>
public sealed class RedisAlertLog : IAlertLog, IAsyncDisposable
{
    private const int MaxBatchDevices = 512;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public RedisAlertLog(IConnectionMultiplexer redis, RedisKeys keys)
    {
        (_redis, _keys) = (redis, keys);
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task AppendAsync(string deviceId, IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        var pending = new Pending(deviceId, alerts, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(RedisAlertLog));
        return pending.Stored.Task;
    }

    public async Task<IReadOnlyList<AlertAck>> RecentAcksAsync(string deviceId, int count)
    {
        var entries = await _redis.GetDatabase().StreamRangeAsync(_keys.DeviceAcks(deviceId), count: count, messageOrder: Order.Descending);
        return [.. entries.Reverse().Select(e => new AlertAck(
            e["alert_id"]!, Enum.Parse<Disposition>(e["disposition"]!), e["incident"] is { IsNullOrEmpty: false } incident ? (string?)incident : null))];
    }

    public async Task<long> CountAsync(string deviceId) => (long?)await _redis.GetDatabase().HashGetAsync(_keys.AlertCounts, deviceId) ?? 0;

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>();
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatchDevices && _pending.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                await WriteAsync(batch);
                foreach (var p in batch) p.Stored.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Stored.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private Task WriteAsync(List<Pending> pending)
    {
        var batch = _redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        foreach (var (device, alerts, _) in pending)
        {
            foreach (var (alert, ack) in alerts)
            {
                var incident = ack.IncidentNumber ?? "";
                var disposition = ack.Disposition.ToString();
                writes.Add(batch.StreamAddAsync(_keys.Alerts,
                [
                    new("alert_id", alert.AlertId), new("device", device), new("gateway", alert.GatewayId),
                    new("disposition", disposition), new("incident", incident),
                    new("alert", JsonSerializer.Serialize(alert, DispatchSerialization.Json)),
                ]));
                // Trimmed approximately (by whole nodes), so at least the last KeptAcks are there.
                writes.Add(batch.StreamAddAsync(_keys.DeviceAcks(device),
                    [new("alert_id", alert.AlertId), new("disposition", disposition), new("incident", incident)],
                    maxLength: IAlertLog.KeptAcks, useApproximateMaxLength: true));
            }
            writes.Add(batch.HashIncrementAsync(_keys.AlertCounts, device, alerts.Count));
        }
        batch.Execute();
        return Task.WhenAll(writes);
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    private sealed record Pending(string Device, IReadOnlyList<(Alert Alert, AlertAck Ack)> Alerts, TaskCompletionSource Stored);
}
