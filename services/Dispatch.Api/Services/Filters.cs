using Dispatch.Domain;
using Dispatch.Infrastructure.ReadModel;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// A list filter from the wire, checked value by value so that a typo is an error naming the field, not an empty list.
/// </summary>
public static class Filters
{
    public static IncidentQuery Read(V1.IncidentFilter? filter, Catalog catalog)
    {
        if (filter is null)
            return new IncidentQuery();
        var from = filter.ReportedFrom?.ToDateTimeOffset();
        var to = filter.ReportedTo?.ToDateTimeOffset();
        if (from is not null && to is not null && to <= from)
            throw Incidents.Invalid("filter.reported_to", "must come after filter.reported_from");
        return new IncidentQuery
        {
            States = Names<IncidentState>(filter.States, "filter.states"),
            Priorities = Names<Priority>(filter.Priorities, "filter.priorities"),
            Channels = Names<Channel>(filter.Channels, "filter.channels"),
            Scenarios = Codes(filter.Scenarios, "filter.scenarios", c => catalog.FindScenario(c) is not null),
            Streets = Codes(filter.Streets, "filter.streets", c => catalog.FindStreet(c) is not null),
            Units = Codes(filter.Units, "filter.units", c => catalog.FindUnit(c) is not null),
            OverdueOnly = filter.OverdueOnly,
            OpenOnly = filter.OpenOnly,
            ReportedFrom = from,
            ReportedTo = to,
        };
    }

    /// <summary>The same filter as a test of one incident, for live changes.</summary>
    public static Func<Incident, bool> Matcher(IncidentQuery q) =>
        i =>
            Any(q.States, i.State.ToString())
            && Any(q.Priorities, i.Priority.ToString())
            && Any(q.Channels, i.Channel.ToString())
            && Any(q.Scenarios, i.Scenario)
            && Any(q.Streets, i.Street)
            && (q.Units.Count == 0 || i.Assignments.Any(a => q.Units.Contains(a.Unit)))
            && (!q.OpenOnly || i.IsOpen)
            && (!q.OverdueOnly || (i.IsOpen && i.Escalation >= EscalationLevel.Overdue))
            && (q.ReportedFrom is null || i.ReportedAt >= q.ReportedFrom)
            && (q.ReportedTo is null || i.ReportedAt < q.ReportedTo);

    private static bool Any(IReadOnlyList<string> wanted, string value) => wanted.Count == 0 || wanted.Contains(value);

    private static List<string> Names<T>(IEnumerable<string> values, string field)
        where T : struct, Enum =>
        [
            .. values.Select(v =>
                Enum.TryParse<T>(v, out var parsed) && Enum.IsDefined(parsed)
                    ? parsed.ToString()
                    : throw Incidents.Invalid(field, $"'{v}' is not one of {string.Join(", ", Enum.GetNames<T>())}")
            ),
        ];

    private static List<string> Codes(IEnumerable<string> values, string field, Func<string, bool> known) =>
        [.. values.Select(v => known(v) ? v : throw Incidents.Invalid(field, $"'{v}' is not in the catalog"))];
}
