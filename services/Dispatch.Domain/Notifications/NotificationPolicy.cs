namespace Dispatch.Domain;

/// <summary>
/// Who is told about <see cref="On"/>: the roles in <see cref="Notify"/> and the named <see cref="Users"/>, for
/// incidents of <see cref="Priorities"/> (all when empty) concerning <see cref="Units"/> (all when empty), with an
/// <see cref="Urgency"/> (else the priority's) and an acknowledgement limit (else the priority's).
/// </summary>
public sealed record NoticeRule(
    NoticeTopic On,
    IReadOnlyList<string> Units,
    IReadOnlyList<Priority> Priorities,
    IReadOnlyList<NoticeRole> Notify,
    IReadOnlyList<string> Users,
    NoticeUrgency? Urgency = null,
    Allowance? EscalateAfter = null
)
{
    public bool Matches(string? unit, Priority priority) =>
        (Units.Count == 0 || (unit is not null && Units.Contains(unit)))
        && (Priorities.Count == 0 || Priorities.Contains(priority));

    /// <summary>Naming units and priorities beats naming units, which beats naming priorities only.</summary>
    public int Specificity => (Units.Count > 0 ? 2 : 0) + (Priorities.Count > 0 ? 1 : 0);
}

/// <summary>
/// The notification policy (通知与升级策略) as data, <c>notifications.json</c>: a pure function from one event of an
/// incident's timeline to the notices it causes (<see cref="NoticesFor"/>), and the escalation chain an
/// unacknowledged notice climbs (<see cref="NextInChain"/>). The notifier resolves the recipients' roles to people
/// (<see cref="NoticeRecipient.People"/>) and sends each notice once, by its <see cref="Notice.Key"/>.
/// </summary>
/// <remarks>
/// <para>Whom each event concerns (the parties), before the rules say who of them is told:</para>
/// <list type="bullet">
/// <item><see cref="IncidentDispatched"/>: every assignment made (<see cref="NoticeTopic.Dispatched"/>).</item>
/// <item><see cref="AssignmentRecalled"/>: the recalled assignment, or every assignment when the lead's was
/// (<see cref="NoticeTopic.Recalled"/>). <see cref="AssignmentRedirected"/>: the old holder
/// (<see cref="NoticeTopic.Recalled"/>) and the new one (<see cref="NoticeTopic.Redirected"/>).</item>
/// <item><see cref="ReworkRequested"/>: every assignment (<see cref="NoticeTopic.Rework"/>).</item>
/// <item><see cref="AssignmentReturned"/>: the returning unit (<see cref="NoticeTopic.Returned"/>; the rules tell
/// the dispatchers).</item>
/// <item><see cref="DeadlineEscalated"/> at 80, 100 and 200 % (<see cref="NoticeTopic.DeadlineWarned"/>,
/// <see cref="NoticeTopic.DeadlineOverdue"/>, <see cref="NoticeTopic.DeadlineListed"/>): for accepting, the
/// assignments not yet accepted; for arriving, the lead; for handling, the assignments not yet handled. Filing and
/// dispatching are the hub's desk: there the assignee is the dispatchers, and the unit is the hub (its duty officer
/// and head); reviewing likewise, with the reviewers. At 100 % of accepting, also
/// <see cref="NoticeTopic.AcceptanceOverdue"/> for the lead.</item>
/// <item><see cref="IncidentUrged"/>: the urged unit's assignment, else every assignment not yet handled, else (under
/// review) the reviewers (<see cref="NoticeTopic.Urged"/>).</item>
/// <item><see cref="IncidentReclassified"/>: every assignment, else the dispatchers
/// (<see cref="NoticeTopic.Reclassified"/>).</item>
/// </list>
/// <para>For each party, the most specific rule of the topic that matches the party's unit and the incident's
/// priority (after the event) decides who is told; the roles resolve against the party (its assignee, its unit's
/// duty officer and head). A recipient is told once per event and topic. Other events cause no notice.</para>
/// </remarks>
public sealed class NotificationPolicy
{
    private readonly IReadOnlyList<NoticeRule> _rules;
    private readonly string? _hub;

    public NotificationPolicy(
        Catalog catalog,
        IEnumerable<NoticeRule> rules,
        IReadOnlyList<NoticeRole> chain,
        IReadOnlyDictionary<Priority, Allowance> escalateUnacknowledged
    )
    {
        _rules = [.. rules];
        _hub = catalog.Units.FirstOrDefault(u => u.Kind == UnitKind.Hub)?.Code;
        Chain = chain;
        EscalateUnacknowledged = escalateUnacknowledged;
    }

    public IReadOnlyList<NoticeRule> Rules => _rules;

    /// <summary>The escalation chain (升级链), e.g. assignee → duty officer → unit head → district duty leader.</summary>
    public IReadOnlyList<NoticeRole> Chain { get; }

    /// <summary>How long a notice of each priority may stay unacknowledged before it escalates; none: never.</summary>
    public IReadOnlyDictionary<Priority, Allowance> EscalateUnacknowledged { get; }

    /// <summary>The urgency of notices about an incident of this priority, unless a rule says otherwise.</summary>
    public static NoticeUrgency UrgencyOf(Priority priority) =>
        priority switch
        {
            Priority.P1 => NoticeUrgency.Critical,
            Priority.P2 => NoticeUrgency.High,
            Priority.P3 => NoticeUrgency.Normal,
            _ => NoticeUrgency.Low,
        };

    /// <summary>The rule that decides <paramref name="topic"/> for a party of <paramref name="unit"/>.</summary>
    public NoticeRule RuleFor(NoticeTopic topic, string? unit, Priority priority) =>
        _rules.Where(r => r.On == topic && r.Matches(unit, priority)).MaxBy(r => r.Specificity)
        ?? throw new InvalidOperationException($"the notification policy has no rule for {topic}");

    /// <summary>
    /// The next one to tell when a notice to <paramref name="to"/> stays unacknowledged: the next role of the chain,
    /// for the same unit; from a role outside the chain (dispatchers, reviewers, a named user), the chain's last;
    /// null at the top.
    /// </summary>
    public NoticeRecipient? NextInChain(NoticeRecipient to)
    {
        var at = Chain.ToList().IndexOf(to.Role);
        var candidates = at >= 0 ? Chain.Skip(at + 1) : Chain.Skip(Chain.Count - 1);
        return candidates
            .Select(role =>
                role switch
                {
                    NoticeRole.DutyOfficer when to.Unit is { } unit => NoticeRecipient.DutyOfficer(unit),
                    NoticeRole.UnitHead when to.Unit is { } unit => NoticeRecipient.UnitHead(unit),
                    NoticeRole.DistrictDutyLeader => NoticeRecipient.DistrictDutyLeader,
                    NoticeRole.Dispatchers => NoticeRecipient.Dispatchers,
                    NoticeRole.Reviewers => NoticeRecipient.Reviewers,
                    _ => null,
                }
            )
            .FirstOrDefault(r => r is not null && r != to);
    }

    /// <summary>The notices <paramref name="e"/> causes, given the incident before and after it. Pure.</summary>
    public IReadOnlyList<Notice> NoticesFor(IncidentEvent e, Incident? before, Incident after)
    {
        var notices = new List<Notice>();
        void Tell(NoticeTopic topic, IEnumerable<Party> parties, Stage? stage = null)
        {
            foreach (var party in parties)
            {
                var rule = RuleFor(topic, party.Unit, after.Priority);
                var urgency = rule.Urgency ?? UrgencyOf(after.Priority);
                var limit =
                    rule.EscalateAfter ?? (EscalateUnacknowledged.TryGetValue(after.Priority, out var a) ? a : null);
                TimeSpan? escalate = limit is { } l ? l.Length(TimeSpan.Zero) : null;
                foreach (var to in Recipients(rule, party))
                    notices.Add(new Notice(after.Number, e.Seq, topic, to, urgency, escalate, party.Unit, stage));
            }
        }

        var assignments = after.Assignments.Select(Party.Of).ToList();
        switch (e)
        {
            case IncidentDispatched:
                Tell(NoticeTopic.Dispatched, assignments);
                break;
            case AssignmentRecalled r:
                Tell(
                    NoticeTopic.Recalled,
                    before?.AssignmentOf(r.Unit) is { IsLead: true }
                        ? before.Assignments.Select(Party.Of)
                        : [new Party(r.Unit, NoticeRecipient.Assignee(r.Unit, r.Worker))]
                );
                break;
            case AssignmentRedirected x:
                Tell(NoticeTopic.Recalled, [new Party(x.Unit, NoticeRecipient.Assignee(x.Unit, x.FromWorker))]);
                Tell(NoticeTopic.Redirected, after.AssignmentOf(x.ToUnit) is { } moved ? [Party.Of(moved)] : []);
                break;
            case ReworkRequested:
                Tell(NoticeTopic.Rework, assignments);
                break;
            case AssignmentReturned r:
                Tell(
                    NoticeTopic.Returned,
                    [new Party(r.Unit, NoticeRecipient.Assignee(r.Unit, before?.AssignmentOf(r.Unit)?.Worker))]
                );
                break;
            case DeadlineEscalated x:
                Tell(
                    x.Level switch
                    {
                        EscalationLevel.Warned => NoticeTopic.DeadlineWarned,
                        EscalationLevel.Overdue => NoticeTopic.DeadlineOverdue,
                        _ => NoticeTopic.DeadlineListed,
                    },
                    Responsible(x.Stage, after),
                    x.Stage
                );
                if (x.Stage == Stage.Accepting && x.Level == EscalationLevel.Overdue)
                    Tell(NoticeTopic.AcceptanceOverdue, after.Lead is { } lead ? [Party.Of(lead)] : [], x.Stage);
                break;
            case IncidentUrged u:
                var urged = u.Unit is { } unit
                    ? after.Assignments.Where(a => a.Unit == unit)
                    : after.Assignments.Where(a => a.State != AssignmentState.Handled);
                Tell(NoticeTopic.Urged, urged.Any() ? urged.Select(Party.Of) : [Desk(NoticeRecipient.Reviewers)]);
                break;
            case IncidentReclassified:
                Tell(
                    NoticeTopic.Reclassified,
                    assignments.Count > 0 ? assignments : [Desk(NoticeRecipient.Dispatchers)]
                );
                break;
        }
        return [.. notices.DistinctBy(n => (n.Topic, n.To))];
    }

    /// <summary>Who answers for a stage: units for theirs, the hub's desk for filing, dispatch and review.</summary>
    private IEnumerable<Party> Responsible(Stage stage, Incident incident) =>
        stage switch
        {
            Stage.Accepting => incident.Assignments.Where(a => a.State == AssignmentState.Dispatched).Select(Party.Of),
            Stage.Arriving => incident.Lead is { } lead ? [Party.Of(lead)] : [],
            Stage.Handling => incident.Assignments.Where(a => a.State != AssignmentState.Handled).Select(Party.Of),
            Stage.Reviewing => [Desk(NoticeRecipient.Reviewers)],
            _ => [Desk(NoticeRecipient.Dispatchers)],
        };

    private Party Desk(NoticeRecipient assignee) => new(_hub, assignee);

    private static IEnumerable<NoticeRecipient> Recipients(NoticeRule rule, Party party) =>
        rule
            .Notify.Select(role =>
                role switch
                {
                    NoticeRole.Assignee => party.Assignee,
                    NoticeRole.DutyOfficer when party.Unit is { } unit => NoticeRecipient.DutyOfficer(unit),
                    NoticeRole.UnitHead when party.Unit is { } unit => NoticeRecipient.UnitHead(unit),
                    NoticeRole.DistrictDutyLeader => NoticeRecipient.DistrictDutyLeader,
                    NoticeRole.Dispatchers => NoticeRecipient.Dispatchers,
                    NoticeRole.Reviewers => NoticeRecipient.Reviewers,
                    _ => null,
                }
            )
            .OfType<NoticeRecipient>()
            .Concat(rule.Users.Select(NoticeRecipient.User));

    /// <summary>Whom an event concerns: a unit, and who stands for it as the assignee.</summary>
    private sealed record Party(string? Unit, NoticeRecipient Assignee)
    {
        public static Party Of(Assignment a) => new(a.Unit, NoticeRecipient.Assignee(a.Unit, a.Worker));
    }
}
