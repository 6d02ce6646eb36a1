using Dispatch.Domain;

namespace Dispatch.Api.ReadModel;

/// <summary>
/// The indexes an incident belongs to, by what lists filter on: everything, open, overdue, and one per state,
/// scenario, street, priority, channel, unit holding an assignment, and worker given one.
/// </summary>
public static class Indexes
{
    public const string All = "all";
    public const string Open = "open";
    public const string Overdue = "overdue";

    public static string State(string state) => $"state:{state}";
    public static string Scenario(string scenario) => $"scenario:{scenario}";
    public static string Street(string street) => $"street:{street}";
    public static string Priority(string priority) => $"priority:{priority}";
    public static string Channel(string channel) => $"channel:{channel}";
    public static string Unit(string unit) => $"unit:{unit}";
    public static string Worker(string worker) => $"worker:{worker}";

    public static bool IsOpen(Incident i) => i.State is not (IncidentState.Closed or IncidentState.Dismissed or IncidentState.Merged);

    public static HashSet<string> Of(Incident? incident)
    {
        if (incident is null) return [];
        var names = new HashSet<string>
        {
            All, State(incident.State.ToString()), Scenario(incident.Scenario), Street(incident.Street),
            Priority(incident.Priority.ToString()), Channel(incident.Channel.ToString()),
        };
        foreach (var a in incident.Assignments)
        {
            names.Add(Unit(a.Unit));
            if (a.Worker is { Length: > 0 } worker) names.Add(Worker(worker));
        }
        if (IsOpen(incident))
        {
            names.Add(Open);
            if (incident.Escalation >= EscalationLevel.Overdue) names.Add(Overdue);
        }
        return names;
    }

    /// <summary>The indexes that bound what this person may see: none for the district roles (they see all).</summary>
    public static IReadOnlyList<string> ScopeOf(Principal who) =>
        Access.SeesWholeDistrict(who) ? []
        : who.Role == Role.Worker ? [Worker(who.UserId)]
        : who.Role == Role.UnitStaff ? [.. (who.Unit is { } unit ? [Unit(unit)] : Array.Empty<string>()), .. who.Area.Select(Street)]
        : [Worker("\0nobody")];
}
