using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Domain = Dispatch.Domain;

namespace Dispatch.Ingest.Services;

/// <summary>
/// The first answers this process gave to recent alerts, by gateway, device and alert id: a gateway that sends an
/// alert again after a lost ack or a reconnect is answered at once, without a call into the cluster. An answer is
/// remembered once the device gave it, so only after its effect was stored. Bounded by two generations of at most
/// <see cref="IngestOptions.RememberedAnswers"/> each; a miss only means that the device answers, as it always can.
/// </summary>
public sealed class RecentAnswers(IOptions<IngestOptions> options)
{
    private readonly object _turn = new();
    private ConcurrentDictionary<
        (string Gateway, string Device, string AlertId),
        (Domain.Disposition, string?)
    > _current = new();
    private ConcurrentDictionary<
        (string Gateway, string Device, string AlertId),
        (Domain.Disposition, string?)
    > _previous = new();
    private int _count;

    /// <summary>
    /// The answer to an alert given before, as a replay; null when this process does not remember one.
    /// </summary>
    public Domain.AlertAck? Find(string gateway, string device, string alertId) =>
        _current.TryGetValue((gateway, device, alertId), out var first)
        || _previous.TryGetValue((gateway, device, alertId), out first)
            ? new Domain.AlertAck(alertId, first.Item1, first.Item2).AsReplay()
            : null;

    public void Remember(string gateway, string device, Domain.AlertAck ack)
    {
        var limit = options.Value.RememberedAnswers;
        // Only first answers: a refusal is no answer to remember, and a replay's first answer is here already or is the
        // device's to give.
        if (limit <= 0 || ack.Disposition is Domain.Disposition.Rejected or Domain.Disposition.DuplicateReplay)
            return;
        var current = _current;
        if (
            !current.TryAdd((gateway, device, ack.AlertId), (ack.Disposition, ack.IncidentNumber))
            || Interlocked.Increment(ref _count) <= limit
        )
            return;
        lock (_turn)
        {
            if (_current != current)
                return;
            (_previous, _current, _count) = (current, new(), 0);
        }
    }
}
