using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>The dimensions evaluation figures are broken down by (按单位、街镇、场景、渠道、等级).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Dimension>))]
public enum Dimension
{
    Unit,
    Street,
    Scenario,
    Channel,
    Priority,
}

/// <summary>The traffic-light grade (红黄绿) of a unit's composite score.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Grade>))]
public enum Grade
{
    /// <summary>Score 85 or more.</summary>
    Green,

    /// <summary>Score 70 or more, under 85.</summary>
    Yellow,

    /// <summary>Score under 70.</summary>
    Red,
}

/// <summary>A unit's place in the ranking (排名): rank 1 is best; units with equal scores share a rank.</summary>
public sealed record UnitRank(int Rank, string Unit, double Score, Grade Grade, Figures Figures);

/// <summary>
/// What happened on one day (in the district's time zone): reports, filing decisions, closures, overdue deadlines.
/// </summary>
public sealed record TrendPoint(
    DateOnly Day,
    int Reported,
    int Filed,
    int Dismissed,
    int Closed,
    int ClosedOnTime,
    int Overdue
);

/// <summary>
/// Evaluation on one network (一网评效): the figures of the closed loop over a set of <see cref="IncidentFacts"/>,
/// broken down by dimension, a ranking of units with a green/yellow/red grade, and a daily trend. Pure: the caller
/// chooses the cohort (normally the incidents reported in the period) and passes their facts.
/// </summary>
/// <remarks>
/// <para>The composite score (综合评分, 0–100) weighs five rates:
/// on-time handling (按期处置率) 30, closure (结案率) 25, dispatch accuracy (派遣准确率) 15, on-time acceptance
/// (按时签收率) 15 and 1 − rework rate (返工率) 15. A rate that cannot be computed (no incident to rate) is left out
/// and the remaining weights are scaled up to 100; with none left there is no score.</para>
/// <para>Grades: <see cref="Grade.Green"/> from 85, <see cref="Grade.Yellow"/> from 70, else
/// <see cref="Grade.Red"/>.</para>
/// <para>Percentiles are nearest-rank: the p-th percentile is the smallest time that at least p of the times do not
/// exceed.</para>
/// </remarks>
public static class Scorecard
{
    /// <summary>
    /// How long after a closure a report of the same type in the same street counts as a recurrence (复发).
    /// </summary>
    public static readonly TimeSpan RecurrenceWindow = TimeSpan.FromDays(30);

    /// <summary>The lowest score graded <see cref="Grade.Green"/>.</summary>
    public const double GreenFrom = 85;

    /// <summary>The lowest score graded <see cref="Grade.Yellow"/>.</summary>
    public const double YellowFrom = 70;

    private static readonly (Func<Figures, double?> Rate, double Weight)[] Weights =
    [
        (f => f.OnTimeHandlingRate, 30),
        (f => f.ClosureRate, 25),
        (f => f.DispatchAccuracy, 15),
        (f => f.OnTimeAcceptanceRate, 15),
        (f => 1 - f.ReworkRate, 15),
    ];

    /// <summary>The figures of <paramref name="incidents"/>; recurrences are looked for among them.</summary>
    public static Figures Compute(IEnumerable<IncidentFacts> incidents)
    {
        var all = incidents.ToList();
        var recurrent = Recurrent(all);
        return Tally(
            all.Select((f, i) => (f, recurrent[i])).ToList(),
            all.Sum(f => f.DispatchedTo.Count),
            all.Sum(f => f.ReturnedBy.Count)
        );
    }

    /// <summary>
    /// The figures of each group of <paramref name="incidents"/> by <paramref name="dimension"/>, ordered by key
    /// (ordinal). Keys are unit, street and scenario codes, channel names and priorities (<c>P1</c>…<c>P4</c>).
    /// Recurrences are looked for across all of <paramref name="incidents"/>, then counted in the group of the
    /// recurring incident.
    /// </summary>
    /// <remarks>
    /// By <see cref="Dimension.Unit"/> an incident belongs to the lead unit of its latest dispatch; incidents never
    /// dispatched belong to no unit. A unit's <see cref="Figures.Dispatches"/> and <see cref="Figures.Returned"/>
    /// (and so its dispatch accuracy) count every dispatch that named it lead and every return it made, also on
    /// incidents later re-dispatched to another unit: a unit that returns (退单) an incident answers for the return,
    /// and a unit an incident reached after a return elsewhere does not. A unit that returned everything sent to it has
    /// a group with no incidents but those counts.
    /// </remarks>
    public static IReadOnlyList<(string Key, Figures Figures)> By(
        IEnumerable<IncidentFacts> incidents,
        Dimension dimension
    )
    {
        var all = incidents.ToList();
        var recurrent = Recurrent(all);
        var indexed = all.Select((f, i) => (f, recurrent[i])).ToList();
        if (dimension == Dimension.Unit)
        {
            return all.SelectMany(f => f.DispatchedTo)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .Select(unit =>
                    (
                        unit,
                        Tally(
                            [.. indexed.Where(x => x.f.LeadUnit == unit)],
                            all.Sum(f => f.DispatchedTo.Count(u => u == unit)),
                            all.Sum(f => f.ReturnedBy.Count(u => u == unit))
                        )
                    )
                )
                .ToList();
        }
        Func<IncidentFacts, string> key = dimension switch
        {
            Dimension.Street => f => f.Street,
            Dimension.Scenario => f => f.Scenario,
            Dimension.Channel => f => f.Channel.ToString(),
            Dimension.Priority => f => f.Priority.ToString(),
            _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "unknown dimension"),
        };
        return indexed
            .GroupBy(x => key(x.f), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Tally([.. g], g.Sum(x => x.f.DispatchedTo.Count), g.Sum(x => x.f.ReturnedBy.Count))))
            .ToList();
    }

    /// <summary>
    /// The units ranked by composite score, best first, with their grades; ties share a rank and are listed by unit
    /// code. Units are grouped as in <see cref="By"/> with <see cref="Dimension.Unit"/>; a unit whose score cannot be
    /// computed is not ranked.
    /// </summary>
    public static IReadOnlyList<UnitRank> Rank(IEnumerable<IncidentFacts> incidents)
    {
        var scored = By(incidents, Dimension.Unit)
            .Where(g => g.Figures.Score is not null)
            .Select(g => (Unit: g.Key, Score: g.Figures.Score!.Value, g.Figures))
            .OrderByDescending(g => g.Score)
            .ThenBy(g => g.Unit, StringComparer.Ordinal)
            .ToList();
        var ranks = new List<UnitRank>(scored.Count);
        for (var i = 0; i < scored.Count; i++)
        {
            var rank = i > 0 && scored[i].Score == scored[i - 1].Score ? ranks[i - 1].Rank : i + 1;
            ranks.Add(new UnitRank(rank, scored[i].Unit, scored[i].Score, GradeOf(scored[i].Score), scored[i].Figures));
        }
        return ranks;
    }

    /// <summary>
    /// One point per day from <paramref name="from"/> to <paramref name="to"/> inclusive, days being dates in
    /// <paramref name="zone"/> (the calendar's, Asia/Shanghai). Each thing counts on the day it happened: reported on
    /// <see cref="IncidentFacts.ReportedAt"/>, filed on <see cref="IncidentFacts.FiledAt"/>, dismissed on
    /// <see cref="IncidentFacts.DismissedAt"/>, closed (and closed on time) on <see cref="IncidentFacts.ClosedAt"/>,
    /// overdue on <see cref="IncidentFacts.OverdueAt"/>. Days with nothing are there with zeros.
    /// </summary>
    public static IReadOnlyList<TrendPoint> Trend(
        IEnumerable<IncidentFacts> incidents,
        DateOnly from,
        DateOnly to,
        TimeZoneInfo zone
    )
    {
        if (to < from)
            throw new ArgumentException(
                $"the trend ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd})",
                nameof(to)
            );
        var days = to.DayNumber - from.DayNumber + 1;
        var counts = new int[days, 6];
        void Count(DateTimeOffset? at, int column)
        {
            if (at is not { } instant)
                return;
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
            if (day >= from && day <= to)
                counts[day.DayNumber - from.DayNumber, column]++;
        }
        foreach (var f in incidents)
        {
            Count(f.ReportedAt, 0);
            Count(f.FiledAt, 1);
            Count(f.DismissedAt, 2);
            Count(f.ClosedAt, 3);
            if (f.ClosedOnTime)
                Count(f.ClosedAt, 4);
            Count(f.OverdueAt, 5);
        }
        return
        [
            .. Enumerable
                .Range(0, days)
                .Select(d => new TrendPoint(
                    from.AddDays(d),
                    counts[d, 0],
                    counts[d, 1],
                    counts[d, 2],
                    counts[d, 3],
                    counts[d, 4],
                    counts[d, 5]
                )),
        ];
    }

    /// <summary>
    /// The composite score of <paramref name="figures"/> (weights in the remarks on <see cref="Scorecard"/>).
    /// </summary>
    public static double? ScoreOf(Figures figures)
    {
        double weighted = 0,
            weights = 0;
        foreach (var (rate, weight) in Weights)
        {
            if (rate(figures) is not { } value)
                continue;
            weighted += value * weight;
            weights += weight;
        }
        return weights == 0 ? null : 100 * weighted / weights;
    }

    /// <summary>The grade of a composite score: green from 85, yellow from 70, else red.</summary>
    public static Grade GradeOf(double score) =>
        score >= GreenFrom ? Grade.Green
        : score >= YellowFrom ? Grade.Yellow
        : Grade.Red;

    private static Figures Tally(
        IReadOnlyList<(IncidentFacts Facts, bool Recurrent)> members,
        int dispatches,
        int returned
    )
    {
        var f = members.Select(m => m.Facts).ToList();
        int Count(Func<IncidentFacts, bool> test) => f.Count(test);
        double? OnTime(Stage stage)
        {
            var measured = f.Where(x => x.OnTime(stage) is not null).ToList();
            return Rate(measured.Count(x => x.OnTime(stage) == true), measured.Count);
        }
        double? Percentile(Func<IncidentFacts, DateTimeOffset?> at, double p)
        {
            var seconds = f.Where(x => at(x) is not null)
                .Select(x => (at(x)!.Value - x.ReportedAt).TotalSeconds)
                .Order()
                .ToList();
            return seconds.Count == 0 ? null : seconds[Math.Max(0, (int)Math.Ceiling(p * seconds.Count) - 1)];
        }

        var filed = Count(x => x.FiledAt is not null);
        var dismissed = Count(x => x.DismissedAt is not null);
        var closed = Count(x => x.ClosedAt is not null);
        var closedOnTime = Count(x => x.ClosedOnTime);
        var reviewed = Count(x => x.FirstReviewAt is not null);
        var reworked = Count(x => x.FirstReviewAt is not null && x.Reworks > 0);
        var extended = Count(x => x.FiledAt is not null && x.Extensions > 0);
        var deviceReported = Count(x => x.Channel is Channel.IotSensor or Channel.AiCamera);
        var falseAlarms = Count(x => x.Channel is Channel.IotSensor or Channel.AiCamera && x.FalseAlarm);
        var figures = new Figures
        {
            Reported = f.Count,
            Filed = filed,
            Dismissed = dismissed,
            Merged = Count(x => x.State == IncidentState.Merged),
            FilingRate = Rate(filed, filed + dismissed),
            Dispatched = Count(x => x.FirstDispatchedAt is not null),
            Dispatches = dispatches,
            Returned = returned,
            DispatchAccuracy = Rate(dispatches - returned, dispatches),
            OnTimeFilingRate = OnTime(Stage.Filing),
            OnTimeDispatchRate = OnTime(Stage.Dispatching),
            OnTimeAcceptanceRate = OnTime(Stage.Accepting),
            OnTimeArrivalRate = OnTime(Stage.Arriving),
            OnTimeHandlingRate = OnTime(Stage.Handling),
            OnTimeReviewRate = OnTime(Stage.Reviewing),
            Closed = closed,
            ClosureRate = Rate(Count(x => x.FiledAt is not null && x.ClosedAt is not null), filed),
            ClosedOnTime = closedOnTime,
            OnTimeClosureRate = Rate(closedOnTime, closed),
            Reopened = Count(x => x.Reopens > 0),
            Reviewed = reviewed,
            Reworked = reworked,
            ReworkRate = Rate(reworked, reviewed),
            Extended = extended,
            ExtensionRate = Rate(extended, filed),
            Deferred = Count(x => x.Deferrals > 0),
            Recurrences = members.Count(m => m.Recurrent),
            DeviceReported = deviceReported,
            FalseAlarms = falseAlarms,
            FalseAlarmRate = Rate(falseAlarms, deviceReported),
            Overdue = Count(x => x.Escalation >= EscalationLevel.Overdue),
            ListedForSupervision = Count(x => x.Escalation >= EscalationLevel.ListedForSupervision),
            SecondsToDispatchP50 = Percentile(x => x.FirstDispatchedAt, 0.5),
            SecondsToDispatchP90 = Percentile(x => x.FirstDispatchedAt, 0.9),
            SecondsToAcceptP50 = Percentile(x => x.FirstAcceptedAt, 0.5),
            SecondsToAcceptP90 = Percentile(x => x.FirstAcceptedAt, 0.9),
            SecondsToArriveP50 = Percentile(x => x.FirstArrivedAt, 0.5),
            SecondsToArriveP90 = Percentile(x => x.FirstArrivedAt, 0.9),
            SecondsToCloseP50 = Percentile(x => x.FirstClosedAt, 0.5),
            SecondsToCloseP90 = Percentile(x => x.FirstClosedAt, 0.9),
        };
        return figures with { Score = ScoreOf(figures) };
    }

    private static double? Rate(int count, int of) => of == 0 ? null : (double)count / of;

    /// <summary>
    /// For each incident, whether it is a recurrence (复发): not dismissed nor merged, and reported at most
    /// <see cref="RecurrenceWindow"/> after another incident of the same type and street was closed.
    /// </summary>
    private static bool[] Recurrent(IReadOnlyList<IncidentFacts> all)
    {
        var recurrent = new bool[all.Count];
        var closures = Enumerable
            .Range(0, all.Count)
            .Where(i => all[i].ClosedAt is not null)
            .GroupBy(i => (all[i].Type, all[i].Street))
            .ToDictionary(g => g.Key, g => g.Select(i => (At: all[i].ClosedAt!.Value, Index: i)).ToList());
        for (var i = 0; i < all.Count; i++)
        {
            var f = all[i];
            if (f.DismissedAt is not null || f.State == IncidentState.Merged)
                continue;
            if (!closures.TryGetValue((f.Type, f.Street), out var closed))
                continue;
            recurrent[i] = closed.Any(c =>
                c.Index != i && c.At <= f.ReportedAt && f.ReportedAt - c.At <= RecurrenceWindow
            );
        }
        return recurrent;
    }
}
