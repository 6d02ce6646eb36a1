using System.Collections.Concurrent;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>The alert record kept in this process, for the in-memory mode.</summary>
public sealed class InMemoryAlertLog : IAlertLog
{
    private readonly ConcurrentQueue<(Alert, AlertAck)> _alerts = new();

    public IReadOnlyList<(Alert Alert, AlertAck Ack)> Alerts => [.. _alerts];

    public Task AppendAsync(IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        foreach (var alert in alerts) _alerts.Enqueue(alert);
        return Task.CompletedTask;
    }
}
