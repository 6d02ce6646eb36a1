using System.Collections.Concurrent;
using Dispatch.Domain;

namespace Dispatch.Infrastructure;

/// <summary>The alert record kept in this process, for the in-memory mode.</summary>
public sealed class InMemoryAlertLog : IAlertLog
{
    private readonly ConcurrentQueue<(Alert, AlertAck)> _alerts = new();
    private readonly ConcurrentDictionary<string, DeviceAnswers> _devices = new();

    public IReadOnlyList<(Alert Alert, AlertAck Ack)> Alerts => [.. _alerts];

    public Task AppendAsync(string deviceId, IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        var device = _devices.GetOrAdd(deviceId, _ => new DeviceAnswers());
        lock (device)
        {
            foreach (var alert in alerts)
            {
                _alerts.Enqueue(alert);
                device.Recent.Enqueue(alert.Ack);
            }
            while (device.Recent.Count > IAlertLog.KeptAcks) device.Recent.Dequeue();
            device.Count += alerts.Count;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AlertAck>> RecentAcksAsync(string deviceId, int count)
    {
        if (!_devices.TryGetValue(deviceId, out var device)) return Task.FromResult<IReadOnlyList<AlertAck>>([]);
        lock (device) return Task.FromResult<IReadOnlyList<AlertAck>>([.. device.Recent.TakeLast(count)]);
    }

    public Task<long> CountAsync(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var device)) return Task.FromResult(0L);
        lock (device) return Task.FromResult(device.Count);
    }

    private sealed class DeviceAnswers
    {
        public Queue<AlertAck> Recent { get; } = new();
        public long Count { get; set; }
    }
}
