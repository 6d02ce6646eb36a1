using Dispatch.Domain;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// The dispatcher's action queue: which buckets of work waiting for a person an incident is in, and where it sorts
/// there. A bucket is a sorted set the projection keeps, scored by the instant the incident's first running deadline
/// falls due (never by "time left", which changes by itself as time passes), then by priority; so the order read
/// from Redis is right at any moment without rewriting a score. Incidents with no running clock (paused, deferred)
/// sort last.
/// </summary>
public static class ActionQueue
{
    /// <summary>上报待立案: reported, waiting to be filed or dismissed.</summary>
    public const string Report = "report";

    /// <summary>立案待派: filed, or returned by a unit, waiting for dispatch.</summary>
    public const string Dispatch = "dispatch";

    /// <summary>退单: returned by a unit.</summary>
    public const string Returned = "returned";

    /// <summary>待核查: handled, waiting for the reviewer.</summary>
    public const string Review = "review";

    /// <summary>Open and past 80 % of a running deadline (the escalation events set the clocks' thresholds).</summary>
    public const string Warned = "warned";

    /// <summary>The buckets in the order the console shows them.</summary>
    public static readonly IReadOnlyList<string> Buckets = [Dispatch, Report, Returned, Review, Warned];

    /// <summary>Scores of incidents with no running clock: after any real instant (2100-01-01).</summary>
    private const long NoDeadline = 4_102_444_800_000;

    /// <summary>The buckets this incident is in; none once it is closed, dismissed or merged.</summary>
    public static IReadOnlyList<string> Of(Incident? incident)
    {
        if (incident is not { IsOpen: true })
            return [];
        var buckets = new List<string>();
        switch (incident.State)
        {
            case IncidentState.Reported:
                buckets.Add(Report);
                break;
            case IncidentState.Filed:
                buckets.Add(Dispatch);
                break;
            case IncidentState.Returned:
                buckets.Add(Dispatch);
                buckets.Add(Returned);
                break;
            case IncidentState.Handled or IncidentState.UnderReview:
                buckets.Add(Review);
                break;
        }
        if (incident.Clocks.Any(c => c.Reached >= EscalationLevel.Warned))
            buckets.Add(Warned);
        return buckets;
    }

    /// <summary>The running deadline that falls first, with its stage and the instant it passes 80 %.</summary>
    public static (Stage Stage, DateTimeOffset DueAt, DateTimeOffset WarnAt)? FirstDue(
        Incident incident,
        WorkingCalendar calendar
    ) =>
        incident
            .Clocks.Select(c => (c.Stage, Due: c.DueAt(calendar), Warn: c.At(0.8, calendar)))
            .Where(c => c.Due is not null)
            .OrderBy(c => c.Due)
            .Select(c => ((Stage, DateTimeOffset, DateTimeOffset)?)(c.Stage, c.Due!.Value, c.Warn ?? c.Due!.Value))
            .FirstOrDefault();

    /// <summary>
    /// The sort key: the due instant in milliseconds times ten plus the priority's rank (P1 0 … P4 3). A double holds
    /// it exactly (about 4·10^13, far below 2^53), so equal deadlines sort by priority.
    /// </summary>
    public static double Score(Incident incident, WorkingCalendar calendar)
    {
        var due = FirstDue(incident, calendar)?.DueAt.ToUnixTimeMilliseconds() ?? NoDeadline;
        return due * 10.0 + Math.Clamp((int)incident.Priority - (int)Priority.P1, 0, 9);
    }
}
