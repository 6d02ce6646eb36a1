using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// What the device, key and cell grains do with the alert decider's decisions, in one place: join an incident,
/// reclassify it first when a more urgent alert joins (and, should the incident refuse that because it went under
/// review or closed meanwhile, open the alert's own incident instead), or open a new incident. Each answer comes with
/// the dedup window of the alert's key after it.
/// </summary>
public sealed class Correlation(AlertDecider decider, IncidentIntake intake, IGrainFactory grains, TimeProvider time)
{
    public AlertDecider Decider => decider;

    /// <summary>Carries out <paramref name="decision"/> (a join, a reclassifying join or a new incident).</summary>
    public async Task<Correlated> ActAsync(AlertDecision decision, Alert alert, Device device)
    {
        switch (decision)
        {
            case RejectAlert or SuppressAlert:
                return new Correlated(decision.Answer(), null);
            case AttachAndReclassify join:
                var reclassified = await grains.Grain<IIncidentGrain>(join.Incident).ExecuteAsync(join.Command);
                if (reclassified.IsAccepted)
                    return Answered(decision, alert, null);
                return await OpenAsync(
                    new OpenNewIncident(
                        alert.AlertId,
                        decider.Report(alert, device),
                        alert.Type,
                        decider.Catalog.FindType(alert.Type)!.Priority,
                        $"{join.Incident} could not take it: {reclassified.Refusal!.Message}"
                    ),
                    alert
                );
            case OpenNewIncident open:
                return await OpenAsync(open, alert);
            default:
                return Answered(decision, alert, null);
        }
    }

    private async Task<Correlated> OpenAsync(OpenNewIncident open, Alert alert)
    {
        var result = await intake.ReportAsync(open.Report);
        if (result.Refusal is { } refusal)
            return new Correlated(
                new AlertAck(alert.AlertId, Disposition.Rejected, null, refusal.Message, refusal.Field),
                null
            );
        return Answered(open, alert, result.IncidentNumber);
    }

    private Correlated Answered(AlertDecision decision, Alert alert, string? opened) =>
        new(decision.Answer(opened), decider.WindowAfter(alert, decision, opened, time.GetUtcNow()));
}
