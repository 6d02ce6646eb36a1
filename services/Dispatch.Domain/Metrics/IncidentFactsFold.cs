namespace Dispatch.Domain;

/// <summary>
/// Folds an incident's timeline into its <see cref="IncidentFacts"/>, event by event, next to
/// <see cref="Lifecycle.Evolve"/>: a projection can keep the facts up to date as events arrive, and
/// <see cref="From"/> recomputes the same facts from the event log at any time.
/// </summary>
/// <remarks>
/// A stage is on time when the event that completes it comes at or before the due time of the stage's clock in the
/// incident before the event (a paused clock, 挂账, compares the time it has used with its allotment). The completing
/// events: <see cref="IncidentFiled"/> for filing, <see cref="IncidentDispatched"/> for dispatching, the lead unit's
/// <see cref="AssignmentAccepted"/> for accepting and its <see cref="ArrivedOnSite"/> for arriving, the event after
/// which every assignment is handled for handling (the handling clock stops there, just before the automatic
/// <see cref="ReviewStarted"/> at the same instant), and the review decision, <see cref="IncidentClosed"/> or
/// <see cref="ReworkRequested"/>, for reviewing. A <see cref="DeadlineEscalated"/> to overdue or worse marks its stage
/// late whatever happens after. A stage that has no clock when its completing event arrives (no deadline for it in
/// the incident's type) is not measured.
/// </remarks>
public static class IncidentFactsFold
{
    /// <summary>
    /// Folds <paramref name="e"/> into <paramref name="facts"/> (null before the first event).
    /// <paramref name="before"/> is the incident before the event (null for the first), <paramref name="after"/> the
    /// incident after it, as <see cref="Lifecycle.Evolve"/> gives it. Pure.
    /// </summary>
    public static IncidentFacts Apply(
        IncidentFacts? facts,
        Incident? before,
        Incident after,
        IncidentEvent e,
        WorkingCalendar calendar
    )
    {
        if (e is IncidentReported)
        {
            return new IncidentFacts
            {
                Number = after.Number,
                Scenario = after.Scenario,
                Type = after.Type,
                Priority = after.Priority,
                Channel = after.Channel,
                Street = after.Street,
                ReportedAt = e.At,
                State = after.State,
            };
        }
        if (facts is null || before is null)
            throw new InvalidOperationException(
                $"event {e.Seq} ({e.GetType().Name}) comes before the incident was reported"
            );

        var f = facts with { State = after.State };
        bool IsLead(string unit) => before.AssignmentOf(unit)?.IsLead == true;
        f = e switch
        {
            IncidentFiled => Complete(f with { FiledAt = f.FiledAt ?? e.At }, Stage.Filing, before, e.At, calendar),
            IncidentDismissed d => f with { DismissedAt = e.At, FalseAlarm = d.Ground == DismissalGround.FalseAlarm },
            IncidentDispatched d => Complete(
                f with
                {
                    FirstDispatchedAt = f.FirstDispatchedAt ?? e.At,
                    DispatchedTo = f.DispatchedTo.Add(d.LeadUnit),
                },
                Stage.Dispatching,
                before,
                e.At,
                calendar
            ),
            AssignmentAccepted a when IsLead(a.Unit) => Complete(
                f with
                {
                    FirstAcceptedAt = f.FirstAcceptedAt ?? e.At,
                },
                Stage.Accepting,
                before,
                e.At,
                calendar
            ),
            AssignmentReturned a when IsLead(a.Unit) => f with { ReturnedBy = f.ReturnedBy.Add(a.Unit) },
            ArrivedOnSite a when IsLead(a.Unit) => Complete(
                f with
                {
                    FirstArrivedAt = f.FirstArrivedAt ?? e.At,
                },
                Stage.Arriving,
                before,
                e.At,
                calendar
            ),
            ReviewStarted => f with { FirstReviewAt = f.FirstReviewAt ?? e.At },
            ReworkRequested => Complete(f with { Reworks = f.Reworks + 1 }, Stage.Reviewing, before, e.At, calendar),
            IncidentClosed => Complete(Closed(f, e.At), Stage.Reviewing, before, e.At, calendar),
            IncidentResolved => Closed(f, e.At),
            IncidentReopened => before.State == IncidentState.Dismissed
                ? f with
                {
                    DismissedAt = null,
                    FalseAlarm = false,
                    Reopens = f.Reopens + 1,
                }
                : f with
                {
                    ClosedAt = null,
                    Reopens = f.Reopens + 1,
                },
            DeadlineExtended => f with { Extensions = f.Extensions + 1 },
            IncidentDeferred => f with { Deferrals = f.Deferrals + 1 },
            DeadlineEscalated x => Escalated(f, x),
            AssignmentRecalled => f with { Recalls = f.Recalls + 1 },
            AssignmentRedirected x => f with
            {
                Recalls = f.Recalls + 1,
                DispatchedTo = IsLead(x.Unit) && x.ToUnit != x.Unit ? f.DispatchedTo.Add(x.ToUnit) : f.DispatchedTo,
            },
            IncidentUrged => f with { Urges = f.Urges + 1 },
            // Figures are by the current type and priority; what was counted under the old ones stays counted.
            IncidentReclassified x => f with
            {
                Type = x.ToType,
                Priority = x.ToPriority,
                Reclassifications = f.Reclassifications + 1,
            },
            _ => f,
        };
        // Handled is reached by a result, or by the last open co-unit returning (or being recalled from) its part;
        // the handling clock stops there.
        if (before.State != IncidentState.Handled && after.State == IncidentState.Handled)
            f = Complete(f, Stage.Handling, before, e.At, calendar);
        return f;
    }

    /// <summary>Folds a whole timeline, evolving the incident with <paramref name="lifecycle"/> alongside.</summary>
    public static IncidentFacts From(IEnumerable<IncidentEvent> timeline, Lifecycle lifecycle)
    {
        Incident? incident = null;
        IncidentFacts? facts = null;
        foreach (var e in timeline)
        {
            var after = lifecycle.Evolve(incident, e);
            facts = Apply(facts, incident, after, e, lifecycle.Catalog.Calendar);
            incident = after;
        }
        return facts
            ?? throw new ArgumentException("the timeline is empty: there is no incident to evaluate", nameof(timeline));
    }

    private static IncidentFacts Closed(IncidentFacts f, DateTimeOffset at) =>
        f with
        {
            ClosedAt = at,
            FirstClosedAt = f.FirstClosedAt ?? at,
        };

    private static IncidentFacts Escalated(IncidentFacts f, DeadlineEscalated x)
    {
        f = f with { Escalation = x.Level > f.Escalation ? x.Level : f.Escalation };
        return x.Level >= EscalationLevel.Overdue
            ? f.WithOnTime(x.Stage, false) with
            {
                OverdueAt = f.OverdueAt ?? x.At,
            }
            : f;
    }

    /// <summary>
    /// Records that <paramref name="stage"/> was completed at <paramref name="at"/>, on time or late.
    /// </summary>
    private static IncidentFacts Complete(
        IncidentFacts f,
        Stage stage,
        Incident before,
        DateTimeOffset at,
        WorkingCalendar calendar
    )
    {
        if (before.Clock(stage) is not { } clock)
            return f;
        var onTime = clock.DueAt(calendar) is { } due ? at <= due : clock.Elapsed(at, calendar) <= clock.Allotted;
        return f.WithOnTime(stage, (f.OnTime(stage) ?? true) && onTime);
    }
}
