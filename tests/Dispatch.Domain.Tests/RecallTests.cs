using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class RecallTests
{
    private static readonly Lifecycle Lifecycle = new(Desk.Catalog);

    private static Desk Dispatched(string worker = "green.w1")
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Do(new DispatchIncident(desk.Id(), Desk.Dispatcher, "GREEN", ["CSL", "ENFORCE"], worker));
        return desk;
    }

    private static RecallAssignment Recall(Desk desk, string unit) =>
        new(desk.Id(), Desk.Dispatcher, unit, "sent to the wrong bureau");

    private static RedirectAssignment Redirect(Desk desk, string unit, string toUnit, string? worker = null) =>
        new(desk.Id(), Desk.Dispatcher, unit, toUnit, worker, "the enforcement bureau handles this street");

    [Fact]
    public void Recalling_the_lead_withdraws_the_whole_dispatch_and_restarts_the_dispatching_clock()
    {
        var desk = Dispatched();
        desk.Accept("GREEN");
        desk.Now = desk.Now.AddMinutes(20);

        var after = desk.Do(Recall(desk, "GREEN"));

        Assert.Equal(IncidentState.Filed, after.State);
        Assert.Empty(after.Assignments);
        Assert.Equal([Stage.Dispatching], after.Clocks.Select(c => c.Stage));
        Assert.Equal(desk.Now, after.Clock(Stage.Dispatching)!.RunningSince);
        Assert.Equal((0, 1), (after.Returns, after.Recalls));
        var recalled = Assert.IsType<AssignmentRecalled>(desk.Timeline[^1]);
        Assert.Equal(
            ("GREEN", "worker.GREEN", "sent to the wrong bureau"),
            (recalled.Unit, recalled.Worker, recalled.Reason)
        );
        Assert.Equal(IncidentState.Dispatched, desk.Dispatch("ENFORCE").State);
    }

    [Fact]
    public void Recalling_a_co_unit_withdraws_only_its_part()
    {
        var desk = Dispatched();
        var after = desk.Do(Recall(desk, "ENFORCE"));
        Assert.Equal(IncidentState.Dispatched, after.State);
        Assert.Equal(["GREEN", "CSL"], after.Assignments.Select(a => a.Unit));
        Assert.Equal([Stage.Accepting], after.Clocks.Select(c => c.Stage));
    }

    [Fact]
    public void Recalling_the_last_open_co_unit_part_sends_a_handled_incident_to_review()
    {
        var desk = Dispatched();
        desk.Do(Recall(desk, "ENFORCE"));
        foreach (var unit in new[] { "GREEN" })
        {
            desk.Accept(unit);
            desk.Arrive(unit);
            desk.Submit(unit);
        }
        Assert.Equal(IncidentState.InProgress, desk.Incident!.State);
        desk.Accept("CSL");
        var after = desk.Do(Recall(desk, "CSL"));
        Assert.Equal(IncidentState.UnderReview, after.State);
        Assert.IsType<ReviewStarted>(desk.Timeline[^1]);
    }

    [Theory]
    [InlineData("GREEN", AssignmentState.InProgress)]
    [InlineData("CSL", AssignmentState.Handled)]
    public void An_assignment_under_way_or_handled_cannot_be_withdrawn(string unit, AssignmentState state)
    {
        var desk = Dispatched();
        desk.Accept("GREEN");
        desk.Arrive("GREEN");
        desk.Accept("CSL");
        desk.Arrive("CSL");
        desk.Submit("CSL");
        var before = desk.Incident;
        foreach (var command in new IncidentCommand[] { Recall(desk, unit), Redirect(desk, unit, "MARKET") })
        {
            var refused = desk.Try(command);
            Assert.Equal(RefusalKind.IllegalTransition, refused.Refusal!.Kind);
            Assert.Contains($"the assignment of unit {unit} is {state}", refused.Refusal.Message);
            Assert.Same(before, desk.Incident);
        }
    }

    [Fact]
    public void A_closed_incident_refuses_recall_and_redirect_naming_its_state()
    {
        var desk = new Desk();
        desk.To(IncidentState.Closed);
        foreach (var command in new IncidentCommand[] { Recall(desk, "GREEN"), Redirect(desk, "GREEN", "ENFORCE") })
        {
            var refused = desk.Try(command);
            Assert.Equal(RefusalKind.IllegalTransition, refused.Refusal!.Kind);
            Assert.Contains("state Closed", refused.Refusal.Message);
        }
    }

    [Fact]
    public void Redirecting_the_lead_moves_its_part_to_another_unit_and_worker_in_one_step()
    {
        var desk = Dispatched();
        desk.Accept("GREEN");
        desk.Accept("CSL");
        desk.Now = desk.Now.AddMinutes(5);

        var after = desk.Do(Redirect(desk, "GREEN", "MARKET", "market.w1"));

        Assert.Equal(IncidentState.Dispatched, after.State);
        Assert.Equal(new Assignment("MARKET", true, AssignmentState.Dispatched, "market.w1"), after.Lead);
        Assert.Equal(AssignmentState.Accepted, after.AssignmentOf("CSL")!.State);
        Assert.Equal([Stage.Accepting], after.Clocks.Select(c => c.Stage));
        Assert.Equal(desk.Now, after.Clock(Stage.Accepting)!.RunningSince);
        var moved = Assert.IsType<AssignmentRedirected>(desk.Timeline[^1]);
        Assert.Equal(
            ("GREEN", "worker.GREEN", "MARKET", "market.w1"),
            (moved.Unit, moved.FromWorker, moved.ToUnit, moved.Worker)
        );
        Assert.Equal(IncidentState.Accepted, desk.Accept("MARKET").State);
    }

    [Fact]
    public void Redirecting_to_another_worker_of_the_same_unit_needs_the_new_worker_to_accept()
    {
        var desk = Dispatched();
        desk.Accept("CSL");
        var after = desk.Do(Redirect(desk, "CSL", "CSL", "csl.w2"));
        Assert.Equal(new Assignment("CSL", false, AssignmentState.Dispatched, "csl.w2"), after.AssignmentOf("CSL"));
        Assert.Equal(["GREEN", "CSL", "ENFORCE"], after.Assignments.Select(a => a.Unit));
    }

    public static TheoryData<string, Func<Desk, IncidentCommand>> BadRedirects =>
        new()
        {
            { "toUnit", d => Redirect(d, "GREEN", "NOWHERE") },
            { "toUnit", d => Redirect(d, "GREEN", "ENFORCE") },
            { "toUnit", d => Redirect(d, "GREEN", "CSL") },
            { "toUnit", d => Redirect(d, "GREEN", " ") },
            { "worker", d => Redirect(d, "GREEN", "GREEN") },
            { "worker", d => Redirect(d, "GREEN", "GREEN", "green.w1") },
            { "worker", d => Redirect(d, "GREEN", "MARKET", "") },
            { "reason", d => new RedirectAssignment(d.Id(), Desk.Dispatcher, "GREEN", "MARKET", null, "") },
            { "reason", d => new RecallAssignment(d.Id(), Desk.Dispatcher, "GREEN", " ") },
            { "unit", d => new RecallAssignment(d.Id(), Desk.Dispatcher, "", "why") },
        };

    [Theory]
    [MemberData(nameof(BadRedirects))]
    public void A_bad_recall_or_redirect_is_refused_naming_the_field(string field, Func<Desk, IncidentCommand> command)
    {
        var desk = Dispatched();
        var before = desk.Incident;
        var refused = desk.Try(command(desk));
        Assert.Equal((RefusalKind.InvalidArgument, field), (refused.Refusal!.Kind, refused.Refusal.Field));
        Assert.Same(before, desk.Incident);
    }

    [Fact]
    public void A_recall_is_not_a_return_and_does_not_count_against_dispatch_accuracy()
    {
        var desk = Dispatched();
        desk.Do(Recall(desk, "GREEN"));
        desk.Dispatch("ENFORCE");
        desk.Do(Redirect(desk, "ENFORCE", "MARKET"));

        var facts = IncidentFactsFold.From(desk.Timeline, Lifecycle);
        Assert.Empty(facts.ReturnedBy);
        Assert.Equal(2, facts.Recalls);
        Assert.Equal(["GREEN", "ENFORCE", "MARKET"], facts.DispatchedTo);
        Assert.Equal("MARKET", facts.LeadUnit);
        var figures = Scorecard.Compute([facts]);
        Assert.Equal((0, 1.0), (figures.Returned, figures.DispatchAccuracy));
    }

    [Fact]
    public void Urging_is_recorded_on_the_timeline_and_changes_no_state()
    {
        var desk = Dispatched();
        var before = desk.Incident!;
        var after = desk.Do(new UrgeIncident(desk.Id(), Desk.Dispatcher, "CSL", "居民再次来电，请尽快处置"));
        Assert.Equal(before with { Version = after.Version }, after);
        var urged = Assert.IsType<IncidentUrged>(desk.Timeline[^1]);
        Assert.Equal(("CSL", "居民再次来电，请尽快处置"), (urged.Unit, urged.Text));
        Assert.Equal(1, IncidentFactsFold.From(desk.Timeline, Lifecycle).Urges);
    }

    [Fact]
    public void Urging_needs_a_text_and_a_unit_that_holds_an_assignment_and_an_incident_already_dispatched()
    {
        var desk = Dispatched();
        Assert.Equal("text", desk.Try(new UrgeIncident(desk.Id(), Desk.Dispatcher, null, " ")).Refusal!.Field);
        var nobody = desk.Try(new UrgeIncident(desk.Id(), Desk.Dispatcher, "FIRE", "hurry"));
        Assert.Contains("unit FIRE has no assignment", nobody.Refusal!.Message);
        var filed = new Desk();
        filed.To(IncidentState.Filed);
        var early = filed.Try(new UrgeIncident(filed.Id(), Desk.Dispatcher, null, "hurry"));
        Assert.Contains("state Filed", early.Refusal!.Message);
    }
}
