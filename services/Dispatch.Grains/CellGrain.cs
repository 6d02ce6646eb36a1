using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// Correlates the alerts of one scenario in one grid cell (see <see cref="AlertDecider.InCell"/>). One activation per
/// cell in the whole cluster, and not reentrant: three cameras that see one person in the water at once are answered
/// one after the other, and the second and third find the incident the first opened. What the cell knows of its open
/// incidents (type, priority, last alert) is soft state: after a silo failure the next alert in the cell opens a new
/// incident rather than joining the old one.
/// </summary>
public sealed class CellGrain(Correlation correlation, TimeProvider time) : Grain, ICellGrain
{
    private readonly Dictionary<string, CellIncident> _open = [];

    public async Task<Correlated> CorrelateAsync(Alert alert, Device device)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var decision = correlation.Decider.InCell(alert, device, _open.Values, now);
            // The incident chosen must still be open; one that is not leaves the cell, and the alert is decided again.
            var joined = decision switch
            {
                AttachAlert a => a.Incident,
                AttachAndReclassify r => r.Incident,
                _ => null,
            };
            if (joined is not null && !await GrainFactory.Grain<IIncidentGrain>(joined).IsOpenAsync())
            {
                _open.Remove(joined);
                continue;
            }
            var answer = await correlation.ActAsync(decision, alert, device);
            if (
                correlation.Decider.CellAfter(decision, answer.Ack.IncidentNumber, now) is { } known
                && answer.Ack.IncidentNumber is { } number
            )
                _open[number] = known with { Number = number };
            Forget(now, correlation.Decider.CellWindow(correlation.Decider.Catalog.FindType(alert.Type)!));
            return answer;
        }
    }

    /// <summary>Forgets the incidents whose last alert is older than the cell window.</summary>
    private void Forget(DateTimeOffset now, TimeSpan window)
    {
        foreach (var old in _open.Values.Where(c => now - c.LastAlert > window).Select(c => c.Number).ToList())
            _open.Remove(old);
    }

    /// <summary>The key of the cell grain an alert of a device goes to.</summary>
    public static string KeyOf(string scenario, string cell) => $"{scenario}|{cell}";
}
