using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class ActionTests
{
    private static readonly Lifecycle Lifecycle = new(Desk.Catalog);
    private static readonly Principal Dispatcher = new("d.li", Role.Dispatcher, "OPS");
    private static readonly Principal Reviewer = new("r.wang", Role.Reviewer, "OPS");

    private static string[] Codes(Principal who, Desk desk) =>
        [
            .. IncidentActions
                .For(who, desk.Incident!, Lifecycle, desk.Now)
                .Select(a => a.Unit is null ? a.Code : $"{a.Code}:{a.Unit}"),
        ];

    [Fact]
    public void Action_codes_are_stable_and_travel_as_such_in_json()
    {
        Assert.Equal(
            [
                "file",
                "dismiss",
                "merge",
                "dispatch",
                "reclassify",
                "recall",
                "redirect",
                "urge",
                "extend",
                "defer",
                "resume",
                "approve",
                "rework",
                "reopen",
                "note",
                "accept",
                "return",
                "arrive",
                "submit",
            ],
            Enum.GetValues<IncidentAction>().Select(IncidentActions.Code)
        );
        Assert.Equal("\"reclassify\"", JsonSerializer.Serialize(IncidentAction.Reclassify));
        Assert.Equal(
            "{\"action\":\"recall\",\"unit\":\"GREEN\",\"code\":\"recall\"}",
            JsonSerializer.Serialize(
                new AllowedAction(IncidentAction.Recall, "GREEN"),
                new JsonSerializerOptions(JsonSerializerDefaults.Web)
            )
        );
    }

    [Fact]
    public void Every_command_people_choose_is_an_action_with_one_permission()
    {
        Type[] bySystem = [typeof(AbsorbIncident), typeof(CheckDeadlines), typeof(ResolveIncident)];
        Assert.All(Lifecycle.AllowedIn.Keys.Except(bySystem), t => Assert.NotNull(IncidentActions.ActionOf(t)));
        Assert.All(bySystem, t => Assert.Null(IncidentActions.PermissionFor(t)));
        Assert.All(
            Enum.GetValues<IncidentAction>(),
            a => Assert.NotNull(IncidentActions.PermissionFor(IncidentActions.CommandOf(a)))
        );
        Assert.Equal(Permission.Report, IncidentActions.PermissionFor(typeof(ReportIncident)));
        Assert.Null(IncidentActions.PermissionFor(typeof(CheckDeadlines)));
        Assert.Equal(Permission.Urge, IncidentActions.PermissionFor(typeof(UrgeIncident)));
        Assert.Equal(Permission.Dispatch, IncidentActions.PermissionFor(typeof(RedirectAssignment)));
    }

    [Fact]
    public void A_dispatcher_sees_the_triage_and_dispatch_actions_of_a_filed_incident()
    {
        var desk = new Desk();
        desk.To(IncidentState.Filed);
        Assert.Equal(["merge", "dispatch", "reclassify", "extend", "defer", "note"], Codes(Dispatcher, desk));
        Assert.Equal(["note"], Codes(Reviewer, desk));
        Assert.Empty(Codes(new Principal("a", Role.Auditor), desk));
    }

    [Fact]
    public void A_dispatcher_may_recall_and_redirect_each_assignment_not_yet_started_and_urge()
    {
        var desk = new Desk();
        desk.To(IncidentState.Dispatched);
        desk.Accept("GREEN");
        desk.Arrive("GREEN");
        Assert.Equal(
            ["reclassify", "recall:CSL", "redirect:CSL", "urge", "extend", "defer", "note"],
            Codes(Dispatcher, desk)
        );
    }

    [Fact]
    public void A_worker_acts_only_on_the_assignment_that_names_them_in_the_state_each_step_needs()
    {
        var desk = new Desk();
        desk.To(IncidentState.Filed);
        desk.Do(new DispatchIncident(desk.Id(), Desk.Dispatcher, "GREEN", ["CSL"], "green.w1"));
        var named = new Principal("green.w1", Role.Worker, "GREEN");
        Assert.Equal(["note", "accept:GREEN", "return:GREEN"], Codes(named, desk));
        Assert.Empty(Codes(new Principal("green.w2", Role.Worker, "GREEN"), desk));
        desk.Do(new AcceptAssignment(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", "green.w1"));
        Assert.Equal(["note", "arrive:GREEN"], Codes(named, desk));
        var csl = new Principal("csl.staff", Role.UnitStaff, "CSL");
        Assert.Equal(["note", "accept:CSL", "return:CSL"], Codes(csl, desk));
    }

    [Fact]
    public void A_deferred_incident_offers_resume_note_and_reclassify_only()
    {
        var desk = new Desk();
        desk.To(IncidentState.Accepted);
        desk.Do(new DeferIncident(desk.Id(), Desk.Dispatcher, "budget"));
        Assert.Equal(["reclassify", "resume", "note"], Codes(Dispatcher, desk));
        Assert.Equal(["note"], Codes(new Principal("s", Role.UnitStaff, "GREEN"), desk));
    }

    [Fact]
    public void Review_actions_go_to_reviewers_and_reopen_only_within_the_window()
    {
        var desk = new Desk();
        desk.To(IncidentState.UnderReview);
        Assert.Equal(["approve", "rework", "note"], Codes(Reviewer, desk));
        Assert.Equal(["urge", "extend", "note"], Codes(Dispatcher, desk));
        desk.Approve();
        Assert.Equal(["reopen", "note"], Codes(Dispatcher, desk));
        desk.Now = desk.Now.AddDays(31);
        Assert.Equal(["note"], Codes(Dispatcher, desk));
    }

    public static TheoryData<IncidentState, string> StatesAndPeople()
    {
        var data = new TheoryData<IncidentState, string>();
        foreach (
            var state in new[]
            {
                IncidentState.Reported,
                IncidentState.Filed,
                IncidentState.Dispatched,
                IncidentState.Returned,
                IncidentState.Accepted,
                IncidentState.InProgress,
                IncidentState.UnderReview,
                IncidentState.Closed,
                IncidentState.Dismissed,
            }
        )
            foreach (var who in new[] { "dispatcher", "reviewer", "staff.GREEN", "staff.CSL", "worker.GREEN" })
                data.Add(state, who);
        return data;
    }

    [Theory]
    [MemberData(nameof(StatesAndPeople))]
    public void Every_action_offered_is_one_the_lifecycle_accepts(IncidentState state, string who)
    {
        var principal = who switch
        {
            "dispatcher" => Dispatcher,
            "reviewer" => Reviewer,
            "worker.GREEN" => new Principal("worker.GREEN", Role.Worker, "GREEN"),
            _ => new Principal(who, Role.UnitStaff, who["staff.".Length..]),
        };
        var desk = new Desk();
        desk.To(state);
        var offered = IncidentActions.For(principal, desk.Incident!, Lifecycle, desk.Now);
        foreach (var action in offered)
        {
            var outcome = Lifecycle.Execute(desk.Number, desk.Incident, Command(action, principal, desk), desk.Now);
            Assert.True(
                outcome.IsAccepted,
                $"{action.Code} {action.Unit} offered in {state} to {who}: {outcome.Refusal?.Message}"
            );
        }
    }

    private static IncidentCommand Command(AllowedAction a, Principal who, Desk d)
    {
        var actor = who.Actor;
        var unit = a.Unit ?? "";
        return a.Action switch
        {
            IncidentAction.File => new FileIncident("c", actor),
            IncidentAction.Dismiss => new DismissIncident("c", actor, DismissalGround.Duplicate, "dup"),
            IncidentAction.Merge => new MergeIncident("c", actor, "PT-20261130-000009", "same"),
            IncidentAction.Dispatch => new DispatchIncident("c", actor),
            IncidentAction.Reclassify => new ReclassifyIncident("c", actor, "SHOP_SMALL_BAG", null, "bags"),
            IncidentAction.Recall => new RecallAssignment("c", actor, unit, "mistake"),
            IncidentAction.Redirect => new RedirectAssignment("c", actor, unit, "MARKET", null, "theirs"),
            IncidentAction.Urge => new UrgeIncident("c", actor, null, "hurry"),
            IncidentAction.Extend => new ApproveExtension(
                "c",
                actor,
                Allowance.Parse(
                    (d.Incident!.Clock(Stage.Handling) ?? d.Incident.Clocks[^1]).Kind == ClockKind.Working
                        ? "1wh"
                        : "1h"
                ),
                "more"
            ),
            IncidentAction.Defer => new DeferIncident("c", actor, "later"),
            IncidentAction.Resume => new ResumeIncident("c", actor, "now"),
            IncidentAction.Approve => new ApproveReview("c", actor, new Evaluation(5)),
            IncidentAction.Rework => new RequestRework("c", actor, "redo"),
            IncidentAction.Reopen => new ReopenIncident("c", actor, "again"),
            IncidentAction.Note => new AddNote("c", actor, "remark"),
            IncidentAction.Accept => new AcceptAssignment("c", actor, unit),
            IncidentAction.Return => new ReturnAssignment("c", actor, unit, "not ours"),
            IncidentAction.Arrive => new ArriveOnSite("c", actor, unit),
            IncidentAction.Submit => new SubmitResult("c", actor, unit, "done", ["p.jpg"]),
            _ => throw new ArgumentOutOfRangeException(nameof(a), a, "no sample"),
        };
    }

    [Fact]
    public void Unit_staff_manage_their_own_unit_s_roster_and_administrators_any()
    {
        Assert.True(Access.MayManageRoster(new Principal("s", Role.UnitStaff, "GREEN"), "GREEN"));
        Assert.False(Access.MayManageRoster(new Principal("s", Role.UnitStaff, "GREEN"), "FIRE"));
        Assert.True(Access.MayManageRoster(new Principal("a", Role.Administrator), "FIRE"));
        Assert.False(Access.MayManageRoster(new Principal("w", Role.Worker, "GREEN"), "GREEN"));
        Assert.False(Access.MayManageRoster(Dispatcher, "OPS"));
    }
}
