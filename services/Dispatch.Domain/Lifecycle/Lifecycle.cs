using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics;

namespace Dispatch.Domain;

/// <summary>
/// The incident lifecycle of the closed loop as one state machine: <see cref="Execute"/> decides whether a command is
/// allowed and which events it produces; <see cref="Evolve"/> folds an event into the incident. Pure: time comes in
/// as an argument, and nothing here knows about grains, storage or transport.
/// </summary>
public sealed class Lifecycle(Catalog catalog)
{
    private const int MaxText = 4000;

    private static readonly IncidentState[] Open =
    [
        IncidentState.Reported,
        IncidentState.Filed,
        IncidentState.Dispatched,
        IncidentState.Returned,
        IncidentState.Accepted,
        IncidentState.InProgress,
        IncidentState.UnderReview,
    ];

    /// <summary>States in which units hold assignments they can accept, return, start and finish.</summary>
    private static readonly IncidentState[] Assigned =
    [
        IncidentState.Dispatched,
        IncidentState.Accepted,
        IncidentState.InProgress,
    ];

    /// <summary>States in which a case can be put on the register of deferred cases (挂账) and taken off it.</summary>
    private static readonly IncidentState[] Deferrable =
    [
        IncidentState.Filed,
        IncidentState.Dispatched,
        IncidentState.Returned,
        IncidentState.Accepted,
        IncidentState.InProgress,
    ];

    /// <summary>
    /// States in which an incident can be reclassified: open and not yet handled. A result under review (核查) is
    /// checked against the type it was handled as; a reviewer who finds it was something else sends it back (返工),
    /// and it can be reclassified then.
    /// </summary>
    private static readonly IncidentState[] Reclassifiable =
    [
        IncidentState.Reported,
        IncidentState.Filed,
        IncidentState.Dispatched,
        IncidentState.Returned,
        IncidentState.Accepted,
        IncidentState.InProgress,
    ];

    /// <summary>States in which a dispatcher can press the people working on an incident (催办).</summary>
    private static readonly IncidentState[] Urgeable =
    [
        IncidentState.Dispatched,
        IncidentState.Accepted,
        IncidentState.InProgress,
        IncidentState.UnderReview,
    ];

    /// <summary>The states in which each command is allowed: the transition table in one place.</summary>
    public static readonly FrozenDictionary<Type, IncidentState[]> AllowedIn = new Dictionary<Type, IncidentState[]>
    {
        [typeof(FileIncident)] = [IncidentState.Reported],
        [typeof(DismissIncident)] = [IncidentState.Reported],
        [typeof(DispatchIncident)] = [IncidentState.Filed, IncidentState.Returned],
        [typeof(AcceptAssignment)] = Assigned,
        [typeof(ReturnAssignment)] = Assigned,
        [typeof(ArriveOnSite)] = Assigned,
        [typeof(SubmitResult)] = Assigned,
        [typeof(ApproveReview)] = [IncidentState.UnderReview],
        [typeof(RequestRework)] = [IncidentState.UnderReview],
        [typeof(ReopenIncident)] = [IncidentState.Closed, IncidentState.Dismissed],
        [typeof(MergeIncident)] = [IncidentState.Reported, IncidentState.Filed],
        [typeof(AbsorbIncident)] = Enum.GetValues<IncidentState>(),
        [typeof(ApproveExtension)] = Open,
        [typeof(DeferIncident)] = Deferrable,
        [typeof(ResumeIncident)] = Deferrable,
        [typeof(CheckDeadlines)] = Enum.GetValues<IncidentState>(),
        [typeof(AddNote)] = Enum.GetValues<IncidentState>(),
        [typeof(ResolveIncident)] = Open,
        [typeof(ReclassifyIncident)] = Reclassifiable,
        [typeof(RecallAssignment)] = Assigned,
        [typeof(RedirectAssignment)] = Assigned,
        [typeof(UrgeIncident)] = Urgeable,
    }.ToFrozenDictionary();

    /// <summary>
    /// Whether the transition table lets a command of type <paramref name="command"/> act on
    /// <paramref name="incident"/> in its state, and on a deferred one (挂账). The rules of the command's own fields
    /// and of the assignments it names come on top, when it is executed.
    /// </summary>
    public static bool Allows(Type command, Incident incident) =>
        AllowedIn.TryGetValue(command, out var states)
        && states.Contains(incident.State)
        && (!incident.Deferred || AllowedWhileDeferred.Contains(command));

    /// <summary>
    /// The commands still allowed while an incident is deferred (挂账). A reclassification is among them: an urgent
    /// alert must not wait on the register, so it takes the incident off it.
    /// </summary>
    private static readonly FrozenSet<Type> AllowedWhileDeferred = FrozenSet.ToFrozenSet([
        typeof(ResumeIncident),
        typeof(AddNote),
        typeof(CheckDeadlines),
        typeof(AbsorbIncident),
        typeof(ResolveIncident),
        typeof(ReclassifyIncident),
    ]);

    /// <summary>Whether <paramref name="incident"/>, closed or dismissed, can still be reopened.</summary>
    public bool MayReopen(Incident incident, DateTimeOffset now) =>
        AllowedIn[typeof(ReopenIncident)].Contains(incident.State) && now <= ReopenClosesAt(incident);

    private DateTimeOffset ReopenClosesAt(Incident incident)
    {
        var window = catalog.ReopenWindow;
        return Calendar.Advance(
            incident.EndedAt ?? incident.ReportedAt,
            window.Kind,
            window.Length(Calendar.WorkingDay)
        );
    }

    public Catalog Catalog => catalog;

    /// <summary>Decisions use the calendar; <see cref="Evolve"/> never does.</summary>
    private WorkingCalendar Calendar => catalog.Calendar;

    /// <summary>
    /// Decides <paramref name="command"/> against <paramref name="incident"/> (null before it is reported) at
    /// <paramref name="now"/>. Accepted: the events, numbered after the incident's version and stamped with the
    /// command's id, actor, time and reason, and the incident after them. Refused: why, and nothing else.
    /// </summary>
    /// <param name="duty">
    /// The people machine dispatch chose for the units that <see cref="UnitsNeedingPeople"/> names: every assignment
    /// the command creates without a named worker goes to its unit's person here. The grains always pass one, so that
    /// every assignment names a person; without one (tests of the state machine alone, old callers) such an assignment
    /// names nobody, and a unit missing from the board likewise.
    /// </param>
    public Outcome Execute(
        string number,
        Incident? incident,
        IncidentCommand command,
        DateTimeOffset now,
        DutyBoard? duty = null
    )
    {
        duty ??= DutyBoard.Empty;
        if (string.IsNullOrWhiteSpace(command.CommandId))
            return Outcome.Refused(
                Refusal.Invalid("commandId", "is required (a client-chosen id that makes retries safe)")
            );
        if (command.Actor is null || string.IsNullOrWhiteSpace(command.Actor.UserId))
            return Outcome.Refused(Refusal.Invalid("actor.userId", "is required"));

        Decision decision;
        if (command is ReportIncident report)
        {
            if (incident is not null)
                return Outcome.Refused(
                    RefusalKind.IllegalTransition,
                    $"{command.Name} is not allowed: incident {number} already exists in state {incident.State}"
                );
            decision = Report(number, report, now, duty);
        }
        else if (incident is null)
        {
            return Outcome.Refused(RefusalKind.NotFound, $"{command.Name}: incident {number} does not exist");
        }
        else
        {
            var allowed = AllowedIn[command.GetType()];
            if (!allowed.Contains(incident.State))
                return Outcome.Refused(
                    RefusalKind.IllegalTransition,
                    $"{command.Name} is not allowed in state {incident.State} "
                        + $"(incident {number}; allowed in {string.Join(", ", allowed)})"
                );
            if (!Allows(command.GetType(), incident))
                return Outcome.Refused(
                    RefusalKind.IllegalTransition,
                    $"{command.Name} is not allowed while incident {number} is deferred "
                        + $"(挂账, state {incident.State}); resume it first"
                );
            decision = Decide(incident, command, now, duty);
        }
        if (decision.Refusal is { } refusal)
            return Outcome.Refused(refusal);

        var reason = command switch
        {
            DismissIncident c => c.Reason,
            ReturnAssignment c => c.Reason,
            RequestRework c => c.Reason,
            ReopenIncident c => c.Reason,
            MergeIncident c => c.Reason,
            ApproveExtension c => c.Reason,
            DeferIncident c => c.Reason,
            ResumeIncident c => c.Reason,
            ResolveIncident c => c.Reason,
            ReclassifyIncident c => c.Reason,
            RecallAssignment c => c.Reason,
            RedirectAssignment c => c.Reason,
            _ => null,
        };
        var seq = incident?.Version ?? 0;
        var stamped = decision
            .Events.Select(e =>
                e with
                {
                    Seq = ++seq,
                    At = now,
                    CommandId = command.CommandId,
                    Actor = command.Actor,
                    Reason = reason,
                }
            )
            .ToList();
        var after = stamped.Aggregate(incident, Evolve)!;
        if (after.State == IncidentState.Handled)
        {
            // Handled goes to review by itself (核查): the last result in, or the last open co-unit part returned.
            var review = new ReviewStarted
            {
                Seq = ++seq,
                At = now,
                CommandId = command.CommandId,
                Actor = Actor.System,
            };
            stamped.Add(review);
            after = Evolve(after, review);
        }
        return new Outcome(after, stamped, null);
    }

    private Decision Report(string number, ReportIncident c, DateTimeOffset now, DutyBoard duty)
    {
        if (catalog.FindType(c.Type) is not { } type)
            return Invalid("type", $"'{c.Type}' is not an incident type of the catalog");
        if (catalog.FindStreet(c.Street) is null)
            return Invalid("street", $"'{c.Street}' is not a street of {catalog.District.En}");
        if (!Enum.IsDefined(c.Channel))
            return Invalid("channel", $"'{c.Channel}' is not a discovery channel");
        if (Text(c.Description, "description") is { } bad)
            return bad;
        if (Position(c.Location) is { } badLocation)
            return badLocation;
        if (c.Confidence is < 0 or > 1)
            return Invalid("confidence", "must lie between 0 and 1");
        if (c.ObservedAt > now.AddMinutes(5))
            return Invalid("observedAt", $"{c.ObservedAt:O} lies in the future");
        if (c.Reporter is { } r && string.IsNullOrWhiteSpace(r.Name))
            return Invalid("reporter.name", "is required when a reporter is given");

        var events = new List<IncidentEvent>
        {
            new IncidentReported(
                number,
                type.Scenario,
                type.Code,
                type.Priority,
                c.Channel,
                c.Street,
                c.Location,
                c.Description.Trim(),
                c.Reporter,
                c.ObservedAt ?? now,
                c.Confidence,
                c.SourceRef,
                catalog.Allotments(type),
                type.Closing
            ),
        };
        events.AddRange(FilingRules(type, IncidentState.Reported, c.Street, c.Confidence, duty));
        return new Decision([.. events]);
    }

    /// <summary>
    /// The type's own filing and dispatch rules for an incident in <paramref name="state"/>: a reported incident whose
    /// type files itself is filed (立案); one that is then, or already was, waiting for dispatch is dispatched by the
    /// machine (机器派单) along the catalog's route when its type dispatches itself.
    /// </summary>
    private IEnumerable<IncidentEvent> FilingRules(
        IncidentType type,
        IncidentState state,
        string street,
        double? confidence,
        DutyBoard duty
    )
    {
        if (state == IncidentState.Reported)
        {
            if (!type.Filing.FilesItself(confidence))
                yield break;
            yield return new IncidentFiled(Automatic: true);
            state = IncidentState.Filed;
        }
        if (WaitsForMachineDispatch(type, state, confidence))
        {
            var route = catalog.Route(type.Code, street);
            yield return Dispatched(route.Lead, route.CoUnits, automatic: true, duty, null);
        }
    }

    /// <summary>
    /// Whether the filing rules of <paramref name="type"/> end in machine dispatch for an incident in
    /// <paramref name="state"/>: the type dispatches itself, and the incident waits for dispatch, or is reported and
    /// files itself.
    /// </summary>
    private static bool WaitsForMachineDispatch(IncidentType type, IncidentState state, double? confidence) =>
        type.Filing.AutoDispatch
        && (
            state is IncidentState.Filed or IncidentState.Returned
            || (state == IncidentState.Reported && type.Filing.FilesItself(confidence))
        );

    /// <summary>A dispatch whose every assignment names a person: the one named, else the duty board's.</summary>
    private static IncidentDispatched Dispatched(
        string lead,
        IReadOnlyList<string> coUnits,
        bool automatic,
        DutyBoard duty,
        Func<string, string?>? named
    )
    {
        string? PersonOf(string unit) => named?.Invoke(unit) ?? duty.PersonFor(unit);
        var coWorkers = coUnits
            .Select(u => (Unit: u, Worker: PersonOf(u)))
            .Where(x => x.Worker is not null)
            .ToDictionary(x => x.Unit, x => x.Worker!);
        return new IncidentDispatched(
            lead,
            [.. coUnits],
            automatic,
            PersonOf(lead),
            coWorkers.Count > 0 ? coWorkers : null
        );
    }

    /// <summary>
    /// The units that <paramref name="command"/> would give an assignment without naming its person, for which the
    /// caller asks machine dispatch (<see cref="DutyPicker"/>) before executing it: a report or reclassification whose
    /// type dispatches itself (the route's units), a dispatch (its units that no worker is named for), a redirect
    /// that names no worker (the new unit). Empty for every other command. Unknown units are left out: the command
    /// will be refused for them.
    /// </summary>
    public IReadOnlyList<string> UnitsNeedingPeople(Incident? incident, IncidentCommand command)
    {
        IEnumerable<string> units = command switch
        {
            ReportIncident r
                when catalog.FindType(r.Type) is { } type
                    && catalog.FindStreet(r.Street) is not null
                    && WaitsForMachineDispatch(type, IncidentState.Reported, r.Confidence) => RouteUnits(
                type.Code,
                r.Street
            ),
            ReclassifyIncident r
                when incident is not null
                    && catalog.FindType(r.Type) is { } type
                    && type.Scenario == incident.Scenario
                    && WaitsForMachineDispatch(type, incident.State, r.Confidence) => RouteUnits(
                type.Code,
                incident.Street
            ),
            DispatchIncident d when incident is not null => UnnamedUnits(incident, d),
            RedirectAssignment r when r.Worker is null && !string.IsNullOrWhiteSpace(r.ToUnit) => [r.ToUnit],
            _ => [],
        };
        return [.. units.Where(u => catalog.FindUnit(u) is not null).Distinct()];
    }

    private IEnumerable<string> RouteUnits(string type, string street)
    {
        var route = catalog.Route(type, street);
        return [route.Lead, .. route.CoUnits];
    }

    /// <summary>The lead unit and co-units of a dispatch: those it names, else the catalog's route.</summary>
    private (string Lead, IReadOnlyList<string> CoUnits) Route(Incident incident, DispatchIncident c)
    {
        var route = catalog.Route(incident.Type, incident.Street);
        return (c.LeadUnit ?? route.Lead, c.CoUnits ?? (c.LeadUnit is null ? route.CoUnits : []));
    }

    /// <summary>The units of a dispatch that it names no worker for.</summary>
    private IEnumerable<string> UnnamedUnits(Incident incident, DispatchIncident c)
    {
        var (lead, coUnits) = Route(incident, c);
        return (c.Worker is null ? [lead, .. coUnits] : coUnits).Where(u => c.Workers?.ContainsKey(u) != true);
    }

    private Decision Decide(Incident incident, IncidentCommand command, DateTimeOffset now, DutyBoard duty) =>
        command switch
        {
            FileIncident => new(new IncidentFiled(Automatic: false)),
            DismissIncident c => !Enum.IsDefined(c.Ground)
                ? Invalid("ground", $"'{c.Ground}' is not a ground for dismissal")
                : Reason(c.Reason) ?? new(new IncidentDismissed(c.Ground)),
            DispatchIncident c => Dispatch(incident, c, duty),
            AcceptAssignment c => Assignment(incident, c, c.Unit, AssignmentState.Dispatched)
                ?? new(new AssignmentAccepted(c.Unit, c.Worker)),
            ReturnAssignment c => Reason(c.Reason)
                ?? Assignment(incident, c, c.Unit, AssignmentState.Dispatched)
                ?? new(new AssignmentReturned(c.Unit)),
            ArriveOnSite c => Position(c.Location)
                ?? Assignment(incident, c, c.Unit, AssignmentState.Accepted)
                ?? new(new ArrivedOnSite(c.Unit, c.Location)),
            SubmitResult c => Submit(incident, c),
            ApproveReview c => c.Evaluation is not { Rating: >= 1 and <= 5 }
                ? Invalid("evaluation.rating", "must be a whole number from 1 to 5")
                : new(new IncidentClosed(c.Evaluation)),
            RequestRework c => Reason(c.Reason) ?? new(new ReworkRequested()),
            ReopenIncident c => Reason(c.Reason) ?? Reopen(incident, c, now),
            MergeIncident c => Reason(c.Reason)
                ?? (
                    string.IsNullOrWhiteSpace(c.Into) ? Invalid("into", "names no incident")
                    : c.Into == incident.Number ? Invalid("into", "an incident cannot be merged into itself")
                    : new(new IncidentMerged(c.Into))
                ),
            AbsorbIncident c => string.IsNullOrWhiteSpace(c.From) || c.From == incident.Number
                ? Invalid("from", "names no other incident")
                : new(new IncidentAbsorbed(c.From)),
            ApproveExtension c => Reason(c.Reason) ?? Extend(incident, c, now),
            DeferIncident c => Reason(c.Reason)
                ?? new(new IncidentDeferred(incident.Clocks.ToDictionary(k => k.Stage, k => k.Elapsed(now, Calendar)))),
            ResumeIncident c => Reason(c.Reason)
                ?? (
                    incident.Deferred
                        ? new(new IncidentResumed())
                        : Illegal($"{c.Name} is not allowed: incident {incident.Number} is not deferred")
                ),
            CheckDeadlines => new([
                .. incident.Clocks.SelectMany(clock =>
                    clock
                        .ThresholdsPassed(now, Calendar)
                        .Select(level => (IncidentEvent)new DeadlineEscalated(clock.Stage, level))
                ),
            ]),
            AddNote c => Text(c.Text, "text") ?? new(new NoteAdded(c.Text.Trim())),
            ResolveIncident c => Reason(c.Reason)
                ?? (
                    incident.Closing.SelfResolving
                        ? new(new IncidentResolved())
                        : Illegal(
                            $"{c.Name} is not allowed: {incident.Type} does not resolve by itself "
                                + $"(incident {incident.Number}, state {incident.State})"
                        )
                ),
            ReclassifyIncident c => Reason(c.Reason) ?? Reclassify(incident, c, duty),
            RecallAssignment c => Reason(c.Reason)
                ?? Withdrawable(incident, c, c.Unit)
                ?? new(new AssignmentRecalled(c.Unit, incident.AssignmentOf(c.Unit)!.Worker)),
            RedirectAssignment c => Reason(c.Reason) ?? Redirect(incident, c, duty),
            UrgeIncident c => Text(c.Text, "text") ?? Urge(incident, c),
            _ => throw new UnreachableException($"{command.Name} is in the transition table but has no decision"),
        };

    private Decision Dispatch(Incident incident, DispatchIncident c, DutyBoard duty)
    {
        var (lead, coUnits) = Route(incident, c);
        if (catalog.FindUnit(lead) is null)
            return Invalid("leadUnit", $"'{lead}' is not a unit of the catalog");
        if (coUnits.FirstOrDefault(u => catalog.FindUnit(u) is null) is { } unknown)
            return Invalid("coUnits", $"'{unknown}' is not a unit of the catalog");
        if (coUnits.Contains(lead))
            return Invalid("coUnits", $"names the lead unit '{lead}' again");
        if (coUnits.Distinct().Count() != coUnits.Count)
            return Invalid("coUnits", "names a unit twice");
        if (c.Worker is { } worker && string.IsNullOrWhiteSpace(worker))
            return Invalid("worker", "is empty; leave it out to let the unit choose");
        var workers = c.Workers ?? new Dictionary<string, string>();
        if (workers.Keys.FirstOrDefault(u => u != lead && !coUnits.Contains(u)) is { } stranger)
            return Invalid("workers", $"names a worker for unit '{stranger}', which this dispatch does not reach");
        if (workers.FirstOrDefault(w => string.IsNullOrWhiteSpace(w.Value)) is { Key: { } empty })
            return Invalid("workers", $"names an empty worker for unit '{empty}'; leave it out to let the unit choose");
        if (c.Worker is not null && workers.TryGetValue(lead, out var other) && other != c.Worker)
            return Invalid("workers", $"names {other} for the lead unit {lead}, but worker names {c.Worker}");
        return new(
            Dispatched(
                lead,
                coUnits,
                automatic: false,
                duty,
                unit => unit == lead && c.Worker is not null ? c.Worker : workers.GetValueOrDefault(unit)
            )
        );
    }

    private Decision Submit(Incident incident, SubmitResult c)
    {
        var photos = c.Photos ?? [];
        if (Assignment(incident, c, c.Unit, AssignmentState.InProgress) is { } refused)
            return refused;
        if (incident.Closing.PhotoRequired && photos.Count == 0)
            return Invalid("photos", $"photo evidence is required for {incident.Type}");
        if (photos.Any(string.IsNullOrWhiteSpace))
            return Invalid("photos", "contains an empty photo reference");
        if (incident.Closing.NoteRequired && string.IsNullOrWhiteSpace(c.Note))
            return Invalid("note", $"a note is required for {incident.Type}");
        if (c.Note is { Length: > MaxText })
            return Invalid("note", $"is longer than {MaxText} characters");
        if (incident.Closing.LocationRequired && c.Location is null)
            return Invalid("location", $"the position is required for {incident.Type}");
        return Position(c.Location) ?? new(new ResultSubmitted(c.Unit, c.Note?.Trim(), [.. photos], c.Location));
    }

    /// <summary>
    /// 改类: a new type (and so new deadlines, closing conditions and rules), or a new priority, or both. The running
    /// clocks restart under the new allotments; then the new type's filing and auto-dispatch rules run as they would
    /// have on a report. An explicit priority other than the type's own gives the priority class's default deadlines,
    /// since the type's own deadlines were written for its own priority. A deferred incident is taken off the
    /// register first.
    /// </summary>
    private Decision Reclassify(Incident incident, ReclassifyIncident c, DutyBoard duty)
    {
        if (string.IsNullOrWhiteSpace(c.Type))
            return Invalid("type", "is required");
        if (catalog.FindType(c.Type) is not { } type)
            return Invalid("type", $"'{c.Type}' is not an incident type of the catalog");
        if (type.Scenario != incident.Scenario)
            return Invalid(
                "type",
                $"'{c.Type}' belongs to scenario {type.Scenario}, not to the incident's scenario {incident.Scenario}"
            );
        if (c.Priority is { } p && !Enum.IsDefined(p))
            return Invalid("priority", $"'{p}' is not a priority (P1–P4)");
        if (c.Confidence is < 0 or > 1)
            return Invalid("confidence", "must lie between 0 and 1");
        var priority = c.Priority ?? type.Priority;
        if (type.Code == incident.Type && priority == incident.Priority)
            return Invalid(
                "type",
                $"the incident is {incident.Type} ({incident.Priority}) already: nothing would change"
            );

        var allotments = priority == type.Priority ? catalog.Allotments(type) : catalog.Allotments(priority);
        var events = new List<IncidentEvent>();
        if (incident.Deferred)
            events.Add(new IncidentResumed());
        events.Add(
            new IncidentReclassified(incident.Type, incident.Priority, type.Code, priority, allotments, type.Closing)
        );
        events.AddRange(FilingRules(type, incident.State, incident.Street, c.Confidence, duty));
        return new([.. events]);
    }

    private Decision Redirect(Incident incident, RedirectAssignment c, DutyBoard duty)
    {
        if (Withdrawable(incident, c, c.Unit) is { } refused)
            return refused;
        if (string.IsNullOrWhiteSpace(c.ToUnit))
            return Invalid("toUnit", "is required");
        if (catalog.FindUnit(c.ToUnit) is null)
            return Invalid("toUnit", $"'{c.ToUnit}' is not a unit of the catalog");
        if (c.Worker is { } w && string.IsNullOrWhiteSpace(w))
            return Invalid("worker", "is empty; leave it out to let the unit choose");
        var from = incident.AssignmentOf(c.Unit)!;
        if (c.ToUnit != c.Unit && incident.AssignmentOf(c.ToUnit) is not null)
            return Invalid("toUnit", $"unit {c.ToUnit} holds an assignment on incident {incident.Number} already");
        if (c.ToUnit == c.Unit && (c.Worker is null || c.Worker == from.Worker))
            return Invalid("worker", $"names no other worker of unit {c.Unit}: nothing would change");
        return new(new AssignmentRedirected(c.Unit, from.Worker, c.ToUnit, c.Worker ?? duty.PersonFor(c.ToUnit)));
    }

    private static Decision Urge(Incident incident, UrgeIncident c) =>
        c.Unit is null ? new(new IncidentUrged(null, c.Text.Trim()))
        : string.IsNullOrWhiteSpace(c.Unit) ? Invalid("unit", "is empty; leave it out to urge every unit")
        : incident.AssignmentOf(c.Unit) is null
            ? Illegal(
                $"{c.Name} is not allowed: unit {c.Unit} has no assignment on incident {incident.Number} "
                    + $"(state {incident.State})"
            )
        : new(new IncidentUrged(c.Unit, c.Text.Trim()));

    private Decision Reopen(Incident incident, ReopenIncident c, DateTimeOffset now)
    {
        var ended = incident.EndedAt ?? incident.ReportedAt;
        return now > ReopenClosesAt(incident)
            ? Illegal(
                $"{c.Name} is not allowed: the reopen window of {catalog.ReopenWindow} after "
                    + $"{ended:yyyy-MM-dd HH:mm} has passed (incident {incident.Number}, state {incident.State})"
            )
            : new(new IncidentReopened());
    }

    private Decision Extend(Incident incident, ApproveExtension c, DateTimeOffset now)
    {
        if (c.Extra.Amount <= 0)
            return Invalid("extra", "must be a positive allowance such as 2h or 3wd");
        if (c.Stage is { } s && !Enum.IsDefined(s))
            return Invalid("stage", $"'{s}' is not a stage");
        var clock = c.Stage is { } stage
            ? incident.Clock(stage)
            : incident.Clock(Stage.Handling) ?? incident.Clocks.LastOrDefault();
        if (clock is null)
            return Illegal(
                $"{c.Name} is not allowed: no deadline of {c.Stage?.ToString() ?? "any stage"} is running "
                    + $"on incident {incident.Number} (state {incident.State})"
            );
        if (clock.Kind != c.Extra.Kind)
            return Invalid(
                "extra",
                clock.Kind == ClockKind.Working
                    ? $"the {clock.Stage} deadline runs in working time: extend it in working hours or days "
                        + $"(e.g. 4wh, 2wd), not {c.Extra}"
                    : $"the {clock.Stage} deadline runs on the wall clock: extend it in minutes, hours or days "
                        + $"(e.g. 30m, 2h), not {c.Extra}"
            );
        var added = c.Extra.Length(Calendar.WorkingDay);
        return new(new DeadlineExtended(clock.Stage, c.Extra, added, clock.ReachedIfExtended(added, now, Calendar)));
    }

    private static Decision? Assignment(Incident incident, IncidentCommand c, string unit, AssignmentState required)
    {
        if (string.IsNullOrWhiteSpace(unit))
            return Invalid("unit", "is required");
        var assignment = incident.AssignmentOf(unit);
        if (assignment is null)
            return Illegal(
                $"{c.Name} is not allowed: unit {unit} has no assignment on incident {incident.Number} "
                    + $"(state {incident.State})"
            );
        return assignment.State == required
            ? null
            : Illegal(
                $"{c.Name} is not allowed: the assignment of unit {unit} is {assignment.State}, not {required} "
                    + $"(incident {incident.Number}, state {incident.State})"
            );
    }

    /// <summary>Only an assignment not yet started can be withdrawn or moved: dispatched or accepted.</summary>
    private static Decision? Withdrawable(Incident incident, IncidentCommand c, string unit)
    {
        if (string.IsNullOrWhiteSpace(unit))
            return Invalid("unit", "is required");
        var assignment = incident.AssignmentOf(unit);
        if (assignment is null)
            return Illegal(
                $"{c.Name} is not allowed: unit {unit} has no assignment on incident {incident.Number} "
                    + $"(state {incident.State})"
            );
        return assignment.State is AssignmentState.Dispatched or AssignmentState.Accepted
            ? null
            : Illegal(
                $"{c.Name} is not allowed: the assignment of unit {unit} is {assignment.State}; only a "
                    + "Dispatched or Accepted assignment can be withdrawn "
                    + $"(incident {incident.Number}, state {incident.State})"
            );
    }

    private static Decision? Reason(string? reason) => Text(reason, "reason");

    private static Decision? Position(GeoPoint? location) =>
        location is { IsValid: false }
            ? Invalid("location", "is not a WGS-84 position (latitude −90…90, longitude −180…180)")
            : null;

    private static Decision? Text(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? Invalid(field, "is required")
        : text.Length > MaxText ? Invalid(field, $"is longer than {MaxText} characters")
        : null;

    private static Decision Invalid(string field, string problem) => new(Refusal.Invalid(field, problem));

    private static Decision Illegal(string message) => new(Refusal.Illegal(message));

    /// <summary>
    /// Folds one event into the incident. Deterministic: the same timeline always gives the same incident, because
    /// everything that depends on the catalog or the calendar was settled when the event was decided and is in it.
    /// </summary>
    public Incident Evolve(Incident? incident, IncidentEvent e)
    {
        if (e is IncidentReported r)
            return new Incident
            {
                Number = r.Number,
                Version = e.Seq,
                State = IncidentState.Reported,
                Scenario = r.Scenario,
                Type = r.Type,
                Priority = r.Priority,
                Channel = r.Channel,
                Street = r.Street,
                Location = r.Location,
                Description = r.Description,
                Reporter = r.Reporter,
                ReportedAt = e.At,
                ObservedAt = r.ObservedAt,
                SourceRef = r.SourceRef,
                Allotments = r.Allotments.ToImmutableDictionary(),
                Closing = r.Closing,
            }.StartClock(Stage.Filing, e.At);

        var i = (
            incident
            ?? throw new InvalidOperationException(
                $"event {e.Seq} ({e.GetType().Name}) comes before the incident was reported"
            )
        ) with
        {
            Version = e.Seq,
        };
        return e switch
        {
            IncidentFiled => i.InState(IncidentState.Filed).StopClock(Stage.Filing).StartClock(Stage.Dispatching, e.At),
            IncidentDismissed => i.InState(IncidentState.Dismissed) with { Clocks = [], EndedAt = e.At },
            IncidentDispatched d => (
                i.InState(IncidentState.Dispatched) with
                {
                    Assignments =
                    [
                        new Assignment(d.LeadUnit, true, AssignmentState.Dispatched, d.Worker),
                        .. d.CoUnits.Select(u => new Assignment(
                            u,
                            false,
                            AssignmentState.Dispatched,
                            d.CoUnitWorkers?.GetValueOrDefault(u)
                        )),
                    ],
                }
            )
                .StopClock(Stage.Dispatching)
                .StartClock(Stage.Accepting, e.At),
            AssignmentAccepted a => i.AssignmentOf(a.Unit)!.IsLead
                ? i.SetAssignment(a.Unit, AssignmentState.Accepted, a.Worker)
                    .InState(IncidentState.Accepted)
                    .StopClock(Stage.Accepting)
                    .StartClock(Stage.Arriving, e.At)
                    .StartClock(Stage.Handling, e.At)
                : i.SetAssignment(a.Unit, AssignmentState.Accepted, a.Worker),
            AssignmentReturned a => i.AssignmentOf(a.Unit)!.IsLead
                ? (
                    i.InState(IncidentState.Returned) with
                    {
                        Assignments = [],
                        Clocks = [],
                        Returns = i.Returns + 1,
                    }
                ).StartClock(Stage.Dispatching, e.At)
                : (i with { Assignments = i.Assignments.RemoveAll(x => x.Unit == a.Unit) }).HandledWhenAllAre(),
            ArrivedOnSite a => i.AssignmentOf(a.Unit)!.IsLead
                ? i.SetAssignment(a.Unit, AssignmentState.InProgress)
                    .InState(IncidentState.InProgress)
                    .StopClock(Stage.Arriving)
                : i.SetAssignment(a.Unit, AssignmentState.InProgress),
            ResultSubmitted s => i.SetAssignment(s.Unit, AssignmentState.Handled).HandledWhenAllAre(),
            ReviewStarted => i.InState(IncidentState.UnderReview).StartClock(Stage.Reviewing, e.At),
            ReworkRequested => (
                i.InState(IncidentState.InProgress) with
                {
                    Assignments = [.. i.Assignments.Select(x => x with { State = AssignmentState.InProgress })],
                    Reworks = i.Reworks + 1,
                }
            )
                .StopClock(Stage.Reviewing)
                .StartClock(Stage.Handling, e.At),
            IncidentClosed c => i.InState(IncidentState.Closed) with
            {
                Clocks = [],
                Evaluation = c.Evaluation,
                EndedAt = e.At,
            },
            // A dismissed incident needs the filing decision again; a closed one was a case and goes back to dispatch.
            IncidentReopened => i.State == IncidentState.Dismissed
                ? (i.InState(IncidentState.Reported) with { EndedAt = null, Reopens = i.Reopens + 1 }).StartClock(
                    Stage.Filing,
                    e.At
                )
                : (
                    i.InState(IncidentState.Filed) with
                    {
                        Assignments = [],
                        Clocks = [],
                        Evaluation = null,
                        EndedAt = null,
                        Reopens = i.Reopens + 1,
                    }
                ).StartClock(Stage.Dispatching, e.At),
            IncidentMerged m => i.InState(IncidentState.Merged) with
            {
                Clocks = [],
                MergedInto = m.Into,
                EndedAt = e.At,
            },
            IncidentAbsorbed a => i with { MergedFrom = i.MergedFrom.Add(a.From) },
            DeadlineExtended x => i.MapClock(x.Stage, c => c.Extend(x.Added, x.Reached)),
            IncidentDeferred d => i with
            {
                Deferred = true,
                Clocks = [.. i.Clocks.Select(c => c.Pause(d.Elapsed.GetValueOrDefault(c.Stage, c.ElapsedBefore)))],
            },
            IncidentResumed => i with { Deferred = false, Clocks = [.. i.Clocks.Select(c => c.Resume(e.At))] },
            DeadlineEscalated x => i.MapClock(x.Stage, c => c with { Reached = Max(c.Reached, x.Level) }) with
            {
                Escalation = Max(i.Escalation, x.Level),
            },
            NoteAdded => i,
            IncidentResolved => i.InState(IncidentState.Closed) with { Clocks = [], Deferred = false, EndedAt = e.At },
            // Withdrawing the lead's part withdraws the dispatch; a co-unit's leaves the rest, maybe all handled.
            AssignmentRecalled a => i.AssignmentOf(a.Unit)!.IsLead
                ? (
                    i.InState(IncidentState.Filed) with
                    {
                        Assignments = [],
                        Clocks = [],
                        Recalls = i.Recalls + 1,
                    }
                ).StartClock(Stage.Dispatching, e.At)
                : (
                    i with
                    {
                        Assignments = i.Assignments.RemoveAll(x => x.Unit == a.Unit),
                        Recalls = i.Recalls + 1,
                    }
                ).HandledWhenAllAre(),
            AssignmentRedirected x => i.AssignmentOf(x.Unit)!.IsLead
                ? (
                    i.Replace(x.Unit, new Assignment(x.ToUnit, true, AssignmentState.Dispatched, x.Worker))
                        .InState(IncidentState.Dispatched) with
                    {
                        Recalls = i.Recalls + 1,
                    }
                )
                    .StopClock(Stage.Arriving)
                    .StopClock(Stage.Handling)
                    .StartClock(Stage.Accepting, e.At)
                : i.Replace(x.Unit, new Assignment(x.ToUnit, false, AssignmentState.Dispatched, x.Worker)) with
                {
                    Recalls = i.Recalls + 1,
                },
            IncidentUrged => i,
            IncidentReclassified x => (
                i with
                {
                    Type = x.ToType,
                    Priority = x.ToPriority,
                    Allotments = x.Allotments.ToImmutableDictionary(),
                    Closing = x.Closing,
                    Reclassifications = i.Reclassifications + 1,
                }
            ).RestartClocks(e.At),
            _ => throw new InvalidOperationException($"event {e.Seq} has unknown kind {e.GetType().Name}"),
        };
    }

    /// <summary>Rebuilds an incident from its timeline.</summary>
    public Incident? Replay(IEnumerable<IncidentEvent> timeline) => timeline.Aggregate((Incident?)null, Evolve);

    private static EscalationLevel Max(EscalationLevel a, EscalationLevel b) => a > b ? a : b;

    private readonly record struct Decision(IReadOnlyList<IncidentEvent> Events, Refusal? Refusal)
    {
        public Decision(params IncidentEvent[] events)
            : this(events, null) { }

        public Decision(Refusal refusal)
            : this([], refusal) { }
    }
}

internal static class IncidentTransitions
{
    public static Incident InState(this Incident i, IncidentState state) => i with { State = state };

    /// <summary>Handled only when the lead unit and every co-unit assignment are handled (协同处置).</summary>
    public static Incident HandledWhenAllAre(this Incident i) =>
        i.AllAssignmentsHandled
            ? i.InState(IncidentState.Handled).StopClock(Stage.Arriving).StopClock(Stage.Handling)
            : i;

    public static Incident StartClock(this Incident i, Stage stage, DateTimeOffset at) =>
        i.Allotments.TryGetValue(stage, out var allotment)
            ? i with
            {
                Clocks = i.Clocks.RemoveAll(c => c.Stage == stage).Add(StageClock.Start(stage, allotment, at)),
            }
            : i;

    public static Incident StopClock(this Incident i, Stage stage) =>
        i with
        {
            Clocks = i.Clocks.RemoveAll(c => c.Stage == stage),
        };

    /// <summary>
    /// Starts afresh, under the incident's allotments, the clocks of the stages its state has under way: a stage the
    /// old allotments lacked (an arrival deadline for a more urgent type) starts, one the new allotments lack stops.
    /// </summary>
    public static Incident RestartClocks(this Incident i, DateTimeOffset at) =>
        UnderWay(i.State).Aggregate(i with { Clocks = [] }, (x, stage) => x.StartClock(stage, at));

    /// <summary>The stages whose clocks run in each state (as <see cref="Lifecycle.Evolve"/> starts them).</summary>
    private static Stage[] UnderWay(IncidentState state) =>
        state switch
        {
            IncidentState.Reported => [Stage.Filing],
            IncidentState.Filed or IncidentState.Returned => [Stage.Dispatching],
            IncidentState.Dispatched => [Stage.Accepting],
            IncidentState.Accepted => [Stage.Arriving, Stage.Handling],
            IncidentState.InProgress => [Stage.Handling],
            IncidentState.UnderReview => [Stage.Reviewing],
            _ => [],
        };

    /// <summary>Puts <paramref name="assignment"/> where the assignment of <paramref name="unit"/> was.</summary>
    public static Incident Replace(this Incident i, string unit, Assignment assignment) =>
        i with
        {
            Assignments = [.. i.Assignments.Select(a => a.Unit == unit ? assignment : a)],
        };

    public static Incident MapClock(this Incident i, Stage stage, Func<StageClock, StageClock> change) =>
        i with
        {
            Clocks = [.. i.Clocks.Select(c => c.Stage == stage ? change(c) : c)],
        };

    public static Incident SetAssignment(this Incident i, string unit, AssignmentState state, string? worker = null) =>
        i with
        {
            Assignments =
            [
                .. i.Assignments.Select(a =>
                    a.Unit == unit ? a with { State = state, Worker = worker ?? a.Worker } : a
                ),
            ],
        };
}
