using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// Correlates the alerts of one scenario in one grid cell. One activation per cell in the whole cluster, and
/// not reentrant: three cameras that see one person in the water at once are answered one after the other,
/// and the second and third find the incident the first opened. The windows are soft state: after a silo
/// failure the next alert in the cell opens a new incident rather than joining the old one.
/// </summary>
public sealed class CellGrain(Lifecycle lifecycle, IncidentIntake intake, TimeProvider time) : Grain, ICellGrain
{
    private readonly List<(string Number, DateTimeOffset LastAlert)> _open = [];

    public async Task<AlertAck> CorrelateAsync(Alert alert, Device device)
    {
        var catalog = lifecycle.Catalog;
        var now = time.GetUtcNow();
        var window = catalog.FindScenario(device.Scenario)!.Correlation.CellWindow.Length(TimeSpan.Zero);
        _open.RemoveAll(o => o.LastAlert < now - window);
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            if (!await IsOpenAsync(_open[i].Number))
            {
                _open.RemoveAt(i);
                continue;
            }
            _open[i] = (_open[i].Number, now);
            return new AlertAck(alert.AlertId, Disposition.Attached, _open[i].Number, $"joined {_open[i].Number} (same scenario and grid cell)");
        }

        var type = catalog.FindType(alert.Type)!;
        var report = new ReportIncident(
            $"alert/{alert.AlertId}", new Actor(alert.GatewayId, Role.Gateway), alert.Type,
            alert.Detection is null ? Channel.IotSensor : Channel.AiCamera, device.Street,
            $"{type.Zh} / {type.En} ({device.Kind} {device.Id})", alert.Location, null, alert.ObservedAt,
            alert.Detection?.Confidence, AlertSource.Of(device.Id, alert.AlertId));
        var result = await intake.ReportAsync(report);
        if (result.Refusal is { } refusal)
            return new AlertAck(alert.AlertId, Disposition.Rejected, null, refusal.Message, refusal.Message.Split(':')[0]);
        _open.Add((result.IncidentNumber, now));
        return new AlertAck(alert.AlertId, Disposition.NewIncident, result.IncidentNumber, $"opened {result.IncidentNumber}");
    }

    private Task<bool> IsOpenAsync(string number) => GrainFactory.GetGrain<IIncidentGrain>(number).IsOpenAsync();

    /// <summary>The key of the cell grain an alert of a device goes to.</summary>
    public static string KeyOf(string scenario, string cell) => $"{scenario}|{cell}";
}
