using System.Collections.Concurrent;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>The alert record kept in this process, for the in-memory mode.</summary>
public sealed class InMemoryAlertLog : IAlertLog
{
    private readonly ConcurrentQueue<(Alert, AlertAck)> _alerts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<AlertAck>> _acks = new();

    public IReadOnlyList<(Alert Alert, AlertAck Ack)> Alerts => [.. _alerts];

    public Task AppendAsync(string deviceId, IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        var acks = _acks.GetOrAdd(deviceId, _ => new());
        foreach (var alert in alerts)
        {
            _alerts.Enqueue(alert);
            acks.Enqueue(alert.Ack);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AlertAck>> RecentAcksAsync(string deviceId, int count) =>
        Task.FromResult<IReadOnlyList<AlertAck>>(_acks.TryGetValue(deviceId, out var acks) ? [.. acks.TakeLast(count)] : []);

    public Task<long> CountAsync(string deviceId) => Task.FromResult<long>(_acks.TryGetValue(deviceId, out var acks) ? acks.Count : 0);
}
