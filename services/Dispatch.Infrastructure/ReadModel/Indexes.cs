using Dispatch.Domain;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// The indexes an incident belongs to, by what lists filter on: everything, open, overdue, and one per state,
/// scenario, type, street, priority, channel, unit holding an assignment, and worker given one.
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

    public static string Type(string type) => $"type:{type}";

    public static HashSet<string> Of(Incident? incident)
    {
        if (incident is null)
            return [];
        var names = new HashSet<string>
        {
            All,
            State(incident.State.ToString()),
            Scenario(incident.Scenario),
            Street(incident.Street),
            Priority(incident.Priority.ToString()),
            Channel(incident.Channel.ToString()),
            Type(incident.Type),
        };
        foreach (var a in incident.Assignments)
        {
            names.Add(Unit(a.Unit));
            if (a.Worker is { Length: > 0 } worker)
                names.Add(Worker(worker));
        }
        if (incident.IsOpen)
        {
            names.Add(Open);
            if (incident.Escalation >= EscalationLevel.Overdue)
                names.Add(Overdue);
        }
        return names;
    }

    /// <summary>An index no incident is ever in: the scope of someone who may see nothing.</summary>
    private const string Nothing = "none";

    /// <summary>
    /// The indexes that bound what this person may see (the list of <see cref="Access.CanSee"/>): none for the
    /// district roles, who see all; never empty for anyone else, so a scope can only narrow a list.
    /// </summary>
    public static IReadOnlyList<string>? ScopeOf(Principal who)
    {
        if (Access.SeesWholeDistrict(who))
            return null;
        List<string> scope = who.Role switch
        {
            Role.Worker => [Worker(who.UserId)],
            Role.UnitStaff =>
            [
                .. (who.Unit is { } unit ? [Unit(unit)] : Array.Empty<string>()),
                .. who.Area.Select(Street),
            ],
            _ => [],
        };
        return scope.Count > 0 ? scope : [Nothing];
    }
}
