using System.Diagnostics.Metrics;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// The grains' own meter (<c>Dispatch.Grains</c>): incidents entering each state, and deadline escalations by
/// level (a warning at 80 %, a breach at 100 %, listed supervision at 200 %).
/// </summary>
public static class GrainMetrics
{
    public static readonly Meter Meter = new("Dispatch.Grains");
    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "dispatch.incidents.transitions",
        description: "Incidents entering a state"
    );
    private static readonly Counter<long> Escalations = Meter.CreateCounter<long>(
        "dispatch.deadlines.escalations",
        description: "Deadline warnings (80 %), breaches (100 %) and listings (200 %)"
    );

    /// <summary>Counts what one accepted command did.</summary>
    public static void Applied(Incident? before, Incident after, IReadOnlyList<IncidentEvent> events)
    {
        if (before?.State != after.State)
            Transitions.Add(
                1,
                new KeyValuePair<string, object?>("state", after.State.ToString()),
                new("scenario", after.Scenario)
            );
        foreach (var escalated in events.OfType<DeadlineEscalated>())
            Escalations.Add(
                1,
                new KeyValuePair<string, object?>("level", escalated.Level.ToString()),
                new("stage", escalated.Stage.ToString())
            );
    }
}
