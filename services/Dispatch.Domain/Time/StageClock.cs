namespace Dispatch.Domain;

/// <summary>
/// The deadline clock of one stage of an incident. It counts wall or working time against the stage's
/// allotment, pauses while the incident is deferred (挂账), grows with an extension (延期), and remembers
/// which escalation thresholds (80 %, 100 %, 200 %) it has already passed so that each fires once.
/// </summary>
public sealed record StageClock(
    Stage Stage,
    ClockKind Kind,
    TimeSpan Allotted,
    TimeSpan ElapsedBefore,
    DateTimeOffset? RunningSince,
    EscalationLevel Reached
)
{
    /// <summary>Thresholds as fractions of the allotment, each with the escalation level it raises.</summary>
    public static readonly IReadOnlyList<(double Fraction, EscalationLevel Level)> Thresholds =
    [
        (0.8, EscalationLevel.Warned),
        (1.0, EscalationLevel.Overdue),
        (2.0, EscalationLevel.ListedForSupervision),
    ];

    public static StageClock Start(Stage stage, TimeAllotment allotment, DateTimeOffset now) =>
        new(stage, allotment.Kind, allotment.Length, TimeSpan.Zero, now, EscalationLevel.None);

    public bool IsPaused => RunningSince is null;

    /// <summary>
    /// The instant the stage reaches <paramref name="fraction"/> of its allotment, or null while paused.
    /// </summary>
    public DateTimeOffset? At(double fraction, WorkingCalendar calendar)
    {
        if (RunningSince is not { } since)
            return null;
        var remaining = Allotted * fraction - ElapsedBefore;
        return remaining <= TimeSpan.Zero ? since : calendar.Advance(since, Kind, remaining);
    }

    public DateTimeOffset? DueAt(WorkingCalendar calendar) => At(1.0, calendar);

    /// <summary>
    /// The next threshold not yet passed and when it falls, or null when none is left or the clock is paused.
    /// </summary>
    public (DateTimeOffset At, EscalationLevel Level)? NextThreshold(WorkingCalendar calendar)
    {
        foreach (var (fraction, level) in Thresholds)
        {
            if (level <= Reached)
                continue;
            return At(fraction, calendar) is { } at ? (at, level) : null;
        }
        return null;
    }

    /// <summary>Every threshold passed by <paramref name="now"/> that has not fired yet, in order.</summary>
    public IEnumerable<EscalationLevel> ThresholdsPassed(DateTimeOffset now, WorkingCalendar calendar)
    {
        foreach (var (fraction, level) in Thresholds)
        {
            if (level <= Reached)
                continue;
            if (At(fraction, calendar) is { } at && at <= now)
                yield return level;
            else
                yield break;
        }
    }

    public TimeSpan Elapsed(DateTimeOffset now, WorkingCalendar calendar) =>
        ElapsedBefore + (RunningSince is { } since ? calendar.Measure(since, now, Kind) : TimeSpan.Zero);

    /// <summary>Stops the clock having used <paramref name="elapsed"/> of the allotment.</summary>
    public StageClock Pause(TimeSpan elapsed) => this with { ElapsedBefore = elapsed, RunningSince = null };

    public StageClock Resume(DateTimeOffset now) => IsPaused ? this with { RunningSince = now } : this;

    /// <summary>
    /// Grows the allotment; <paramref name="reached"/> is what the grown clock has passed (see
    /// <see cref="ReachedIfExtended"/>).
    /// </summary>
    public StageClock Extend(TimeSpan extra, EscalationLevel reached) =>
        this with
        {
            Allotted = Allotted + extra,
            Reached = reached,
        };

    /// <summary>
    /// The highest threshold an extended clock has passed at <paramref name="now"/>: thresholds that the extension
    /// moves into the future count as not reached, so the moved deadline can warn and fall overdue again.
    /// </summary>
    public EscalationLevel ReachedIfExtended(TimeSpan extra, DateTimeOffset now, WorkingCalendar calendar) =>
        (this with { Allotted = Allotted + extra, Reached = EscalationLevel.None })
            .ThresholdsPassed(now, calendar)
            .DefaultIfEmpty(EscalationLevel.None)
            .Max();
}
