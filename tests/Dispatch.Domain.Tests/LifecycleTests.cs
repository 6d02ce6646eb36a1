using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class LifecycleTests
{
    [Fact]
    public void The_full_loop_goes_from_report_to_closed_with_an_evaluation()
    {
        var desk = new Desk();
        Assert.Equal(IncidentState.Reported, desk.Report().State);
        Assert.Equal(IncidentState.Filed, desk.File().State);
        var dispatched = desk.Dispatch();
        Assert.Equal(IncidentState.Dispatched, dispatched.State);
        Assert.Equal("GREEN", dispatched.Lead!.Unit);
        Assert.Equal(["CSL"], dispatched.Assignments.Where(a => !a.IsLead).Select(a => a.Unit));
        desk.Accept("GREEN");
        Assert.Equal(IncidentState.Accepted, desk.Accept("CSL").State);
        Assert.Equal(IncidentState.InProgress, desk.Arrive("GREEN").State);
        desk.Arrive("CSL");
        desk.Submit("GREEN");
        Assert.Equal(IncidentState.UnderReview, desk.Submit("CSL").State);
        Assert.Equal(IncidentState.InProgress, desk.Rework().State);
        desk.Submit("GREEN");
        Assert.Equal(IncidentState.UnderReview, desk.Submit("CSL").State);
        var closed = desk.Approve(4);
        Assert.Equal(IncidentState.Closed, closed.State);
        Assert.Equal(new Evaluation(4, "good"), closed.Evaluation);
        Assert.Equal(1, closed.Reworks);
        Assert.Empty(closed.Clocks);
        Assert.Equal(Enumerable.Range(1, desk.Timeline.Count).Select(i => (long)i), desk.Timeline.Select(e => e.Seq));
        Assert.Equal(desk.Timeline.Count, closed.Version);
    }

    [Fact]
    public void Every_event_records_who_when_which_command_and_why()
    {
        var desk = new Desk();
        desk.To(IncidentState.Dispatched);
        var returned = desk.Try(
            new ReturnAssignment("ret-1", Desk.StaffOf("GREEN"), "GREEN", "not ours: private land")
        );
        var e = Assert.IsType<AssignmentReturned>(Assert.Single(returned.Events));
        Assert.Equal(
            ("ret-1", "staff.GREEN", Role.UnitStaff, "GREEN", "not ours: private land", desk.Now),
            (e.CommandId, e.Actor.UserId, e.Actor.Role, e.Actor.Unit, e.Reason, e.At)
        );
    }

    [Fact]
    public void The_incident_is_handled_only_when_the_lead_and_every_co_unit_are_handled()
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Dispatch("GREEN", "CSL", "ENFORCE");
        foreach (var unit in new[] { "GREEN", "CSL", "ENFORCE" })
        {
            desk.Accept(unit);
            desk.Arrive(unit);
        }
        Assert.Equal(IncidentState.InProgress, desk.Submit("GREEN").State);
        Assert.Equal(IncidentState.InProgress, desk.Submit("ENFORCE").State);
        var reviewed = desk.Submit("CSL");
        Assert.Equal(IncidentState.UnderReview, reviewed.State);
        Assert.IsType<ReviewStarted>(desk.Timeline[^1]);
        Assert.IsType<ResultSubmitted>(desk.Timeline[^2]);
    }

    [Fact]
    public void When_the_last_open_co_unit_returns_its_part_the_handled_incident_goes_to_review()
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Dispatch("GREEN", "CSL");
        desk.Accept("GREEN");
        desk.Arrive("GREEN");
        Assert.Equal(IncidentState.InProgress, desk.Submit("GREEN").State);
        var after = desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("CSL"), "CSL", "not our area"));
        Assert.Equal(IncidentState.UnderReview, after.State);
        Assert.IsType<ReviewStarted>(desk.Timeline[^1]);
        Assert.Equal(Actor.System, desk.Timeline[^1].Actor);
    }

    [Fact]
    public void A_co_unit_can_return_its_own_part_without_returning_the_incident()
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Dispatch("GREEN", "CSL");
        var after = desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("CSL"), "CSL", "not our area"));
        Assert.Equal(IncidentState.Dispatched, after.State);
        Assert.Equal(["GREEN"], after.Assignments.Select(a => a.Unit));
    }

    [Fact]
    public void A_returned_incident_is_re_dispatched_and_its_dispatch_clock_restarts()
    {
        var desk = new Desk();
        var returned = desk.To(IncidentState.Returned);
        Assert.Equal(IncidentState.Returned, returned.State);
        Assert.Empty(returned.Assignments);
        Assert.Equal(1, returned.Returns);
        Assert.NotNull(returned.Clock(Stage.Dispatching));
        var again = desk.Dispatch("ENFORCE");
        Assert.Equal(IncidentState.Dispatched, again.State);
        Assert.Equal("ENFORCE", again.Lead!.Unit);
    }

    [Fact]
    public void A_p1_type_files_and_dispatches_itself()
    {
        var desk = new Desk("CREEK_PERSON_IN_WATER", "CYXC");
        var incident = desk.Report(Channel.AiCamera, confidence: 0.97);
        Assert.Equal(IncidentState.Dispatched, incident.State);
        Assert.Equal("FIRE", incident.Lead!.Unit);
        Assert.True(Assert.IsType<IncidentFiled>(desk.Timeline[1]).Automatic);
        Assert.True(Assert.IsType<IncidentDispatched>(desk.Timeline[2]).Automatic);
        Assert.Equal(Channel.AiCamera, incident.Channel);
    }

    [Theory]
    [InlineData(0.95, IncidentState.Filed)]
    [InlineData(0.5, IncidentState.Reported)]
    [InlineData(null, IncidentState.Reported)]
    public void A_confident_ai_detection_files_itself_and_a_doubtful_one_waits_for_a_dispatcher(
        double? confidence,
        IncidentState expected
    )
    {
        Assert.Equal(expected, new Desk("SITE_DUST").Report(Channel.AiCamera, confidence).State);
    }

    [Fact]
    public void A_report_from_a_person_records_the_channel_and_the_reporter()
    {
        var incident = new Desk("CIV_HOTLINE", "CZ").Report(Channel.Hotline);
        Assert.Equal(Channel.Hotline, incident.Channel);
        Assert.Equal("张三", incident.Reporter!.Name);
        Assert.Equal(IncidentState.Reported, incident.State);
    }

    [Fact]
    public void Dismissal_and_reopen_within_the_window()
    {
        var desk = new Desk();
        Assert.Equal(IncidentState.Dismissed, desk.To(IncidentState.Dismissed).State);
        desk.Now = desk.Now.AddDays(29);
        var reopened = desk.Do(new ReopenIncident(desk.Id(), Desk.Dispatcher, "citizen called again"));
        Assert.Equal(IncidentState.Reported, reopened.State);
        Assert.Equal([Stage.Filing], reopened.Clocks.Select(c => c.Stage));
        Assert.Equal(1, reopened.Reopens);
    }

    [Fact]
    public void A_closed_incident_cannot_be_reopened_after_the_window()
    {
        var desk = new Desk();
        desk.To(IncidentState.Closed);
        desk.Now = desk.Now.AddDays(31);
        var refused = desk.Try(new ReopenIncident(desk.Id(), Desk.Dispatcher, "again"));
        Assert.Equal(RefusalKind.IllegalTransition, refused.Refusal!.Kind);
        Assert.Contains("reopen window of 30d", refused.Refusal.Message);
        Assert.Equal(IncidentState.Closed, desk.Incident!.State);
    }

    [Fact]
    public void A_closed_incident_reopened_goes_back_to_filed_without_its_old_assignments()
    {
        var desk = new Desk();
        desk.To(IncidentState.Closed);
        var reopened = desk.Do(new ReopenIncident(desk.Id(), Desk.Dispatcher, "bin overflowing again"));
        Assert.Equal(IncidentState.Filed, reopened.State);
        Assert.Empty(reopened.Assignments);
        Assert.Null(reopened.Evaluation);
        Assert.Equal(IncidentState.Dispatched, desk.Dispatch().State);
    }

    [Fact]
    public void Merge_records_the_target_and_the_target_records_the_source()
    {
        var desk = new Desk();
        var merged = desk.To(IncidentState.Merged);
        Assert.Equal(IncidentState.Merged, merged.State);
        Assert.Equal("PT-20261130-000002", merged.MergedInto);
        var target = new Desk();
        target.To(IncidentState.InProgress);
        var absorbed = target.Do(new AbsorbIncident(target.Id(), Desk.Dispatcher, "PT-20261130-000001x"));
        Assert.Equal(["PT-20261130-000001x"], absorbed.MergedFrom);
    }

    [Fact]
    public void Extension_moves_the_handling_deadline()
    {
        var desk = new Desk();
        var before = desk.To(IncidentState.InProgress).Clock(Stage.Handling)!.DueAt(Desk.Catalog.Calendar);
        var after = desk.Do(new ApproveExtension(desk.Id(), Desk.Dispatcher, Allowance.Parse("2wd"), "parts on order"));
        Assert.Equal(
            Desk.Catalog.Calendar.Add(before!.Value, TimeSpan.FromHours(17)),
            after.Clock(Stage.Handling)!.DueAt(Desk.Catalog.Calendar)
        );
        Assert.Equal(Stage.Handling, Assert.IsType<DeadlineExtended>(desk.Timeline[^1]).Stage);
    }

    [Fact]
    public void Deferral_pauses_every_clock_refuses_work_and_resume_starts_them_again()
    {
        var desk = new Desk();
        desk.To(IncidentState.Accepted);
        var deferred = desk.Do(new DeferIncident(desk.Id(), Desk.Dispatcher, "needs budget approval"));
        Assert.True(deferred.Deferred);
        Assert.All(deferred.Clocks, c => Assert.True(c.IsPaused));
        var refused = desk.Try(new ArriveOnSite(desk.Id(), Desk.StaffOf("GREEN"), "GREEN"));
        Assert.Contains("deferred", refused.Refusal!.Message);
        desk.Now = desk.Now.AddDays(10);
        Assert.Empty(desk.Try(new CheckDeadlines(desk.Id(), Actor.System)).Events);
        var resumed = desk.Do(new ResumeIncident(desk.Id(), Desk.Dispatcher, "budget approved"));
        Assert.False(resumed.Deferred);
        Assert.All(resumed.Clocks, c => Assert.Equal(desk.Now, c.RunningSince));
        Assert.Equal(IncidentState.InProgress, desk.Arrive("GREEN").State);
    }

    [Fact]
    public void Deadline_checks_escalate_each_threshold_once_and_raise_the_level()
    {
        var desk = new Desk("SITE_DUST");
        desk.To(IncidentState.Dispatched); // P2: accepting 30 min
        desk.Now = desk.Now.AddMinutes(25);
        var warned = desk.Do(new CheckDeadlines(desk.Id(), Actor.System));
        Assert.Equal(EscalationLevel.Warned, warned.Escalation);
        Assert.Equal((Stage.Accepting, EscalationLevel.Warned), Single(desk.Timeline[^1]));
        Assert.Empty(desk.Try(new CheckDeadlines(desk.Id(), Actor.System)).Events);
        desk.Now = desk.Now.AddMinutes(40);
        var late = desk.Try(new CheckDeadlines(desk.Id(), Actor.System));
        Assert.Equal(
            [(Stage.Accepting, EscalationLevel.Overdue), (Stage.Accepting, EscalationLevel.ListedForSupervision)],
            late.Events.Select(Single)
        );
        Assert.Equal(EscalationLevel.ListedForSupervision, desk.Incident!.Escalation);
        Assert.Null(desk.Incident.Clock(Stage.Accepting)!.NextThreshold(Desk.Catalog.Calendar));

        static (Stage, EscalationLevel) Single(IncidentEvent e) =>
            e is DeadlineEscalated x ? (x.Stage, x.Level) : throw new Xunit.Sdk.XunitException($"{e} is no escalation");
    }

    [Fact]
    public void Stages_start_and_stop_their_clocks_as_the_incident_moves()
    {
        var desk = new Desk("SITE_DUST");
        Assert.Equal([Stage.Filing], desk.Report().Clocks.Select(c => c.Stage));
        Assert.Equal([Stage.Dispatching], desk.File().Clocks.Select(c => c.Stage));
        Assert.Equal([Stage.Accepting], desk.Dispatch("CONS").Clocks.Select(c => c.Stage));
        Assert.Equal([Stage.Arriving, Stage.Handling], desk.Accept("CONS").Clocks.Select(c => c.Stage));
        Assert.Equal([Stage.Handling], desk.Arrive("CONS").Clocks.Select(c => c.Stage));
        Assert.Equal([Stage.Reviewing], desk.Submit("CONS").Clocks.Select(c => c.Stage));
    }

    [Fact]
    public void Replaying_the_timeline_rebuilds_the_same_incident()
    {
        var desk = new Desk();
        desk.To(IncidentState.UnderReview);
        desk.Rework();
        desk.Do(new AddNote(desk.Id(), Desk.Dispatcher, "called the shop owner"));
        var rebuilt = new Lifecycle(Desk.Catalog).Replay(desk.Timeline)!;
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(desk.Incident),
            System.Text.Json.JsonSerializer.Serialize(rebuilt)
        );
    }

    public static TheoryData<IncidentState, string> IllegalCommands()
    {
        var data = new TheoryData<IncidentState, string>();
        IncidentState[] resting =
        [
            IncidentState.Reported,
            IncidentState.Filed,
            IncidentState.Dismissed,
            IncidentState.Dispatched,
            IncidentState.Returned,
            IncidentState.Accepted,
            IncidentState.InProgress,
            IncidentState.UnderReview,
            IncidentState.Closed,
            IncidentState.Merged,
        ];
        foreach (var (command, allowed) in Lifecycle.AllowedIn)
            foreach (var state in resting.Except(allowed))
                data.Add(state, command.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(IllegalCommands))]
    public void An_illegal_command_is_refused_naming_the_command_and_the_state_and_changes_nothing(
        IncidentState state,
        string commandName
    )
    {
        var desk = new Desk();
        var before = desk.To(state);
        var outcome = desk.Try(Sample(commandName, desk));
        Assert.False(outcome.IsAccepted);
        Assert.Equal(RefusalKind.IllegalTransition, outcome.Refusal!.Kind);
        Assert.Contains(commandName, outcome.Refusal.Message);
        Assert.Contains($"state {state}", outcome.Refusal.Message);
        Assert.Same(before, desk.Incident);
    }

    public static TheoryData<IncidentState, string> AllowedCommands()
    {
        var data = new TheoryData<IncidentState, string>();
        // ResolveIncident is allowed in every open state, but only for self-resolving types: see its own tests.
        foreach (var (command, allowed) in Lifecycle.AllowedIn.Where(c => c.Key != typeof(ResolveIncident)))
            foreach (var state in allowed.Where(s => s != IncidentState.Handled))
                data.Add(state, command.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllowedCommands))]
    public void Every_allowed_transition_is_accepted(IncidentState state, string commandName)
    {
        var desk = new Desk();
        desk.To(state);
        var outcome = desk.Try(Prepared(commandName, desk));
        Assert.True(outcome.IsAccepted, outcome.Refusal?.Message);
    }

    /// <summary>A command that is allowed in the desk's state, after the steps it needs on the co-unit.</summary>
    private static IncidentCommand Prepared(string name, Desk d)
    {
        const string co = Desk.CoUnit;
        switch (name)
        {
            case nameof(AcceptAssignment):
            case nameof(ReturnAssignment):
                return name == nameof(AcceptAssignment)
                    ? new AcceptAssignment(d.Id(), Desk.StaffOf(co), co)
                    : new ReturnAssignment(d.Id(), Desk.StaffOf(co), co, "not our area");
            case nameof(ArriveOnSite):
                d.Accept(co);
                return new ArriveOnSite(d.Id(), Desk.StaffOf(co), co);
            case nameof(SubmitResult):
                d.Accept(co);
                d.Arrive(co);
                return new SubmitResult(d.Id(), Desk.StaffOf(co), co, "done", ["p.jpg"]);
            case nameof(RecallAssignment):
                return new RecallAssignment(d.Id(), Desk.Dispatcher, co, "not needed after all");
            case nameof(RedirectAssignment):
                return new RedirectAssignment(d.Id(), Desk.Dispatcher, co, "ENFORCE", "enforce.w1", "theirs");
            case nameof(ResumeIncident):
                d.Do(new DeferIncident(d.Id(), Desk.Dispatcher, "later"));
                return new ResumeIncident(d.Id(), Desk.Dispatcher, "now");
            case nameof(CheckDeadlines):
                return new CheckDeadlines(d.Id(), Actor.System);
            case nameof(AddNote):
                return new AddNote(d.Id(), Desk.Dispatcher, "a remark");
            default:
                return Sample(name, d);
        }
    }

    [Fact]
    public void A_device_offline_incident_files_itself_and_closes_when_the_device_is_back()
    {
        var desk = new Desk("DEVICE_OFFLINE", "WL");
        Assert.Equal(
            (IncidentState.Filed, "maintenance"),
            (desk.Report(Channel.System).State, desk.Incident!.Scenario)
        );
        desk.Dispatch("GREEN");
        desk.Accept("GREEN");
        var resolved = desk.Do(new ResolveIncident(desk.Id(), Actor.System, "heartbeat received"));
        Assert.Equal(IncidentState.Closed, resolved.State);
        Assert.Empty(resolved.Clocks);
        Assert.IsType<IncidentResolved>(desk.Timeline[^1]);
    }

    [Fact]
    public void An_incident_that_does_not_resolve_by_itself_cannot_be_resolved()
    {
        var desk = new Desk();
        desk.To(IncidentState.InProgress);
        var refused = desk.Try(new ResolveIncident(desk.Id(), Actor.System, "gone"));
        Assert.Contains("SHOP_BIN_OVERFLOW does not resolve by itself", refused.Refusal!.Message);
        Assert.Contains("state InProgress", refused.Refusal.Message);
    }

    [Fact]
    public void The_transition_table_covers_every_command()
    {
        var commands = typeof(IncidentCommand)
            .Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(IncidentCommand)) && t != typeof(ReportIncident));
        Assert.All(
            commands,
            c => Assert.True(Lifecycle.AllowedIn.ContainsKey(c), $"{c.Name} is missing from the table")
        );
    }

    [Fact]
    public void A_second_report_of_the_same_incident_is_refused()
    {
        var desk = new Desk();
        desk.Report();
        var outcome = desk.Try(
            new ReportIncident(desk.Id(), Desk.Dispatcher, "SHOP_SMALL_BAG", Channel.Hotline, "CSL", "again")
        );
        Assert.Contains("ReportIncident is not allowed", outcome.Refusal!.Message);
        Assert.Contains("state Reported", outcome.Refusal.Message);
    }

    [Fact]
    public void Refusals_other_than_a_bad_field_name_no_field()
    {
        var desk = new Desk();
        desk.To(IncidentState.Closed);
        var refused = desk.Try(new FileIncident(desk.Id(), Desk.Dispatcher));
        Assert.Equal((RefusalKind.IllegalTransition, (string?)null), (refused.Refusal!.Kind, refused.Refusal.Field));
        Assert.Null(new Desk().Try(new FileIncident("x", Desk.Dispatcher)).Refusal!.Field);
    }

    [Fact]
    public void A_command_on_an_incident_that_does_not_exist_is_not_found()
    {
        var outcome = new Desk().Try(new FileIncident("x", Desk.Dispatcher));
        Assert.Equal(RefusalKind.NotFound, outcome.Refusal!.Kind);
    }

    public static TheoryData<string, IncidentState, Func<Desk, IncidentCommand>> InvalidCommands =>
        new()
        {
            {
                "reason",
                IncidentState.Reported,
                d => new DismissIncident(d.Id(), Desk.Dispatcher, DismissalGround.FalseAlarm, " ")
            },
            {
                "reason",
                IncidentState.Dispatched,
                d => new ReturnAssignment(d.Id(), Desk.StaffOf("GREEN"), "GREEN", "")
            },
            {
                "type",
                IncidentState.Filed,
                d => new ReclassifyIncident(d.Id(), Desk.Dispatcher, "NO_SUCH", null, "why")
            },
            {
                "type",
                IncidentState.Filed,
                d => new ReclassifyIncident(d.Id(), Desk.Dispatcher, "FIRE_CONFIRMED", null, "fire")
            },
            {
                "type",
                IncidentState.Accepted,
                d => new ReclassifyIncident(d.Id(), Desk.Dispatcher, "SHOP_BIN_OVERFLOW", Priority.P3, "same")
            },
            {
                "reason",
                IncidentState.Filed,
                d => new ReclassifyIncident(d.Id(), Desk.Dispatcher, "SHOP_SMALL_BAG", null, " ")
            },
            {
                "confidence",
                IncidentState.Reported,
                d => new ReclassifyIncident(d.Id(), Desk.Dispatcher, "SHOP_SMALL_BAG", null, "bags", 1.2)
            },
            { "reason", IncidentState.UnderReview, d => new RequestRework(d.Id(), Desk.Reviewer, "") },
            { "reason", IncidentState.Filed, d => new DeferIncident(d.Id(), Desk.Dispatcher, "") },
            {
                "reason",
                IncidentState.InProgress,
                d => new ApproveExtension(d.Id(), Desk.Dispatcher, Allowance.Parse("1wd"), "")
            },
            { "leadUnit", IncidentState.Filed, d => new DispatchIncident(d.Id(), Desk.Dispatcher, "NOBODY") },
            { "coUnits", IncidentState.Filed, d => new DispatchIncident(d.Id(), Desk.Dispatcher, "GREEN", ["GREEN"]) },
            { "coUnits", IncidentState.Filed, d => new DispatchIncident(d.Id(), Desk.Dispatcher, "GREEN", ["GHOST"]) },
            {
                "photos",
                IncidentState.InProgress,
                d => new SubmitResult(d.Id(), Desk.StaffOf("GREEN"), "GREEN", "done", [])
            },
            {
                "evaluation.rating",
                IncidentState.UnderReview,
                d => new ApproveReview(d.Id(), Desk.Reviewer, new Evaluation(0))
            },
            { "into", IncidentState.Filed, d => new MergeIncident(d.Id(), Desk.Dispatcher, d.Number, "same") },
            { "commandId", IncidentState.Reported, d => new FileIncident("", Desk.Dispatcher) },
            { "actor.userId", IncidentState.Reported, d => new FileIncident(d.Id(), new Actor("", Role.Dispatcher)) },
            { "text", IncidentState.Reported, d => new AddNote(d.Id(), Desk.Dispatcher, "") },
            {
                "extra",
                IncidentState.InProgress,
                d => new ApproveExtension(
                    d.Id(),
                    Desk.Dispatcher,
                    Allowance.Parse("3h"),
                    "wall hours on a working-day deadline"
                )
            },
            {
                "location",
                IncidentState.Accepted,
                d => new ArriveOnSite(d.Id(), Desk.StaffOf("GREEN"), "GREEN", new GeoPoint(123, 0))
            },
        };

    [Theory]
    [MemberData(nameof(InvalidCommands))]
    public void A_command_with_a_bad_field_is_refused_naming_the_field(
        string field,
        IncidentState state,
        Func<Desk, IncidentCommand> command
    )
    {
        var desk = new Desk();
        var before = desk.To(state);
        var outcome = desk.Try(command(desk));
        Assert.Equal(RefusalKind.InvalidArgument, outcome.Refusal!.Kind);
        Assert.Equal(field, outcome.Refusal.Field);
        Assert.StartsWith(field + ":", outcome.Refusal.Message);
        Assert.Same(before, desk.Incident);
    }

    [Theory]
    [InlineData("type", "NO_SUCH_TYPE", "CSL")]
    [InlineData("street", "SHOP_BIN_OVERFLOW", "ATLANTIS")]
    public void A_report_with_an_unknown_type_or_street_is_refused_naming_the_field(
        string field,
        string type,
        string street
    )
    {
        var outcome = new Desk().Try(new ReportIncident("r", Desk.Dispatcher, type, Channel.Hotline, street, "x"));
        Assert.Equal(field, outcome.Refusal!.Field);
        Assert.StartsWith(field + ":", outcome.Refusal.Message);
    }

    [Fact]
    public void Unit_commands_are_refused_for_a_unit_without_an_assignment()
    {
        var desk = new Desk();
        desk.To(IncidentState.Dispatched);
        var outcome = desk.Try(new AcceptAssignment(desk.Id(), Desk.StaffOf("FIRE"), "FIRE"));
        Assert.Contains("unit FIRE has no assignment", outcome.Refusal!.Message);
        Assert.Contains("state Dispatched", outcome.Refusal.Message);
    }

    private static IncidentCommand Sample(string name, Desk d) =>
        name switch
        {
            nameof(FileIncident) => new FileIncident(d.Id(), Desk.Dispatcher),
            nameof(DismissIncident) => new DismissIncident(d.Id(), Desk.Dispatcher, DismissalGround.Duplicate, "dup"),
            nameof(DispatchIncident) => new DispatchIncident(d.Id(), Desk.Dispatcher),
            nameof(AcceptAssignment) => new AcceptAssignment(d.Id(), Desk.StaffOf("GREEN"), "GREEN"),
            nameof(ReturnAssignment) => new ReturnAssignment(d.Id(), Desk.StaffOf("GREEN"), "GREEN", "not ours"),
            nameof(ArriveOnSite) => new ArriveOnSite(d.Id(), Desk.StaffOf("GREEN"), "GREEN"),
            nameof(SubmitResult) => new SubmitResult(d.Id(), Desk.StaffOf("GREEN"), "GREEN", "done", ["p.jpg"]),
            nameof(ApproveReview) => new ApproveReview(d.Id(), Desk.Reviewer, new Evaluation(5)),
            nameof(RequestRework) => new RequestRework(d.Id(), Desk.Reviewer, "redo"),
            nameof(ReopenIncident) => new ReopenIncident(d.Id(), Desk.Dispatcher, "again"),
            nameof(MergeIncident) => new MergeIncident(d.Id(), Desk.Dispatcher, "PT-20261130-000009", "same"),
            nameof(AbsorbIncident) => new AbsorbIncident(d.Id(), Desk.Dispatcher, "PT-20261130-000009"),
            nameof(ApproveExtension) => new ApproveExtension(
                d.Id(),
                Desk.Dispatcher,
                Allowance.Parse(
                    (d.Incident?.Clock(Stage.Handling) ?? d.Incident?.Clocks.LastOrDefault())?.Kind == ClockKind.Working
                        ? "1wh"
                        : "1h"
                ),
                "more time"
            ),
            nameof(DeferIncident) => new DeferIncident(d.Id(), Desk.Dispatcher, "later"),
            nameof(ResumeIncident) => new ResumeIncident(d.Id(), Desk.Dispatcher, "now"),
            nameof(ResolveIncident) => new ResolveIncident(d.Id(), Actor.System, "cleared"),
            nameof(ReclassifyIncident) => new ReclassifyIncident(
                d.Id(),
                Desk.Dispatcher,
                "SHOP_SMALL_BAG",
                null,
                "small bags"
            ),
            nameof(RecallAssignment) => new RecallAssignment(d.Id(), Desk.Dispatcher, "GREEN", "sent by mistake"),
            nameof(RedirectAssignment) => new RedirectAssignment(
                d.Id(),
                Desk.Dispatcher,
                "GREEN",
                "ENFORCE",
                null,
                "theirs"
            ),
            nameof(UrgeIncident) => new UrgeIncident(d.Id(), Desk.Dispatcher, null, "please hurry"),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no sample"),
        };
}
