using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class ReclassifyTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly WorkingCalendar Calendar = Catalog.Calendar;

    private static ReclassifyIncident Reclassify(
        Desk desk,
        string type,
        Priority? priority = null,
        double? confidence = null
    ) => new(desk.Id(), Desk.Dispatcher, type, priority, "seen on site", confidence);

    [Fact]
    public void A_filed_incident_reclassified_to_a_type_that_dispatches_itself_is_dispatched_by_the_machine()
    {
        var desk = new Desk("FIRE_HYDRANT_PRESSURE", "CYXC");
        Assert.Equal(IncidentState.Filed, desk.Report(Channel.IotSensor).State); // hydrant pressure files itself
        var seq = desk.Timeline.Count;

        var after = desk.Do(Reclassify(desk, "FIRE_CONFIRMED"));

        Assert.Equal(
            (IncidentState.Dispatched, "FIRE_CONFIRMED", Priority.P1),
            (after.State, after.Type, after.Priority)
        );
        var events = desk.Timeline.Skip(seq).ToList();
        var reclassified = Assert.IsType<IncidentReclassified>(events[0]);
        Assert.Equal(
            ("FIRE_HYDRANT_PRESSURE", Priority.P3, "FIRE_CONFIRMED", Priority.P1),
            (reclassified.FromType, reclassified.FromPriority, reclassified.ToType, reclassified.ToPriority)
        );
        Assert.Equal("seen on site", reclassified.Reason);
        var dispatched = Assert.IsType<IncidentDispatched>(events[1]);
        Assert.True(dispatched.Automatic);
        Assert.Equal("FIRE", dispatched.LeadUnit);
        Assert.Equal(["OPS", "CYXC"], dispatched.CoUnits);
        Assert.Equal(TimeSpan.FromMinutes(5), after.Clock(Stage.Accepting)!.Allotted);
        Assert.Equal(1, after.Reclassifications);
    }

    [Fact]
    public void A_reported_incident_reclassified_to_a_type_that_files_itself_is_filed_and_dispatched()
    {
        var desk = new Desk("CREEK_GATHERING", "CYXC");
        Assert.Equal(IncidentState.Reported, desk.Report(Channel.AiCamera, confidence: 0.6).State);
        var after = desk.Do(Reclassify(desk, "CREEK_PERSON_IN_WATER"));
        Assert.Equal(IncidentState.Dispatched, after.State);
        Assert.True(desk.Timeline.OfType<IncidentFiled>().Single().Automatic);
        Assert.Equal("FIRE", after.Lead!.Unit);
    }

    [Theory]
    [InlineData(null, IncidentState.Reported)]
    [InlineData(0.95, IncidentState.Filed)]
    public void A_type_that_files_itself_when_confident_needs_the_confidence_of_the_detection(
        double? confidence,
        IncidentState expected
    )
    {
        var desk = new Desk("SITE_NOISE");
        desk.Report(Channel.AiCamera, confidence: 0.5);
        Assert.Equal(expected, desk.Do(Reclassify(desk, "SITE_DUST", confidence: confidence)).State);
        Assert.Equal([desk.Now], desk.Incident!.Clocks.Select(c => c.RunningSince!.Value));
    }

    [Fact]
    public void An_incident_already_dispatched_keeps_its_assignments_and_its_running_clocks_restart_from_now()
    {
        var desk = new Desk("SITE_NOISE");
        desk.To(IncidentState.Dispatched);
        desk.Now = desk.Now.AddMinutes(26); // P2 accepting: 30 minutes, warned at 24
        desk.Do(new CheckDeadlines(desk.Id(), Actor.System));
        Assert.Equal(EscalationLevel.Warned, desk.Incident!.Clock(Stage.Accepting)!.Reached);

        var after = desk.Do(Reclassify(desk, "SITE_DUST"));

        var clock = after.Clock(Stage.Accepting)!;
        Assert.Equal((desk.Now, EscalationLevel.None), (clock.RunningSince!.Value, clock.Reached));
        Assert.Equal(IncidentState.Dispatched, after.State);
        Assert.Equal(["GREEN", "CSL"], after.Assignments.Select(a => a.Unit));
        Assert.Empty(desk.Try(new CheckDeadlines(desk.Id(), Actor.System)).Events);
    }

    [Fact]
    public void A_more_urgent_class_starts_the_arrival_clock_of_an_accepted_incident()
    {
        var desk = new Desk();
        var accepted = desk.To(IncidentState.Accepted); // P3 has no arrival deadline
        Assert.Null(accepted.Clock(Stage.Arriving));
        var after = desk.Do(Reclassify(desk, "SHOP_BIN_OVERFLOW", Priority.P1));
        Assert.Equal([Stage.Arriving, Stage.Handling], after.Clocks.Select(c => c.Stage));
        Assert.Equal(
            (TimeSpan.FromMinutes(15), ClockKind.Wall),
            (after.Clock(Stage.Arriving)!.Allotted, after.Clock(Stage.Arriving)!.Kind)
        );
    }

    [Fact]
    public void An_explicit_priority_other_than_the_type_s_own_gives_the_class_defaults()
    {
        var desk = new Desk();
        desk.To(IncidentState.Filed);
        var urgent = desk.Do(Reclassify(desk, "SHOP_BIN_OVERFLOW", Priority.P2));
        Assert.Equal(Priority.P2, urgent.Priority);
        var p2 = Catalog.Priorities[Priority.P2].Deadlines;
        Assert.All(urgent.Allotments, a => Assert.Equal(p2[a.Key].Length(Calendar.WorkingDay), a.Value.Length));
        Assert.Equal(TimeSpan.FromMinutes(15), urgent.Clock(Stage.Dispatching)!.Allotted);
    }

    [Fact]
    public void The_type_s_own_priority_keeps_the_type_s_own_deadlines()
    {
        var desk = new Desk("HAZARD_HOUSE_C", "CFXC");
        desk.To(IncidentState.Filed);
        var enterprise = desk.Do(Reclassify(desk, "HAZARD_ENTERPRISE", Priority.P4));
        Assert.Equal(
            Catalog.Allotments(Catalog.FindType("HAZARD_ENTERPRISE")!)[Stage.Handling],
            enterprise.Allotments[Stage.Handling]
        );
        Assert.Equal(TimeSpan.FromHours(15 * 8.5), enterprise.Allotments[Stage.Handling].Length);
    }

    [Fact]
    public void A_deferred_incident_reclassified_comes_off_the_register()
    {
        var desk = new Desk();
        desk.To(IncidentState.Accepted);
        desk.Do(new DeferIncident(desk.Id(), Desk.Dispatcher, "waiting for budget"));
        var seq = desk.Timeline.Count;
        var after = desk.Do(Reclassify(desk, "SHOP_SMALL_BAG", Priority.P2));
        Assert.False(after.Deferred);
        Assert.All(after.Clocks, c => Assert.Equal(desk.Now, c.RunningSince));
        Assert.Equal(
            [typeof(IncidentResumed), typeof(IncidentReclassified)],
            desk.Timeline.Skip(seq).Select(e => e.GetType())
        );
    }

    [Theory]
    [InlineData(IncidentState.UnderReview)]
    [InlineData(IncidentState.Closed)]
    [InlineData(IncidentState.Dismissed)]
    [InlineData(IncidentState.Merged)]
    public void An_incident_under_review_or_ended_cannot_be_reclassified(IncidentState state)
    {
        var desk = new Desk();
        var before = desk.To(state);
        var refused = desk.Try(Reclassify(desk, "SHOP_SMALL_BAG"));
        Assert.Equal(RefusalKind.IllegalTransition, refused.Refusal!.Kind);
        Assert.Contains($"state {state}", refused.Refusal.Message);
        Assert.Same(before, desk.Incident);
    }

    [Fact]
    public void Facts_follow_the_new_type_and_priority_and_keep_what_they_counted()
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Dispatch("GREEN");
        desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", "not ours"));
        desk.Do(Reclassify(desk, "SHOP_SMALL_BAG", Priority.P2));
        desk.Dispatch("ENFORCE");

        var facts = IncidentFactsFold.From(desk.Timeline, new Lifecycle(Catalog));
        Assert.Equal(("SHOP_SMALL_BAG", Priority.P2, 1), (facts.Type, facts.Priority, facts.Reclassifications));
        Assert.Equal(["GREEN", "ENFORCE"], facts.DispatchedTo);
        Assert.Equal(["GREEN"], facts.ReturnedBy);
        Assert.Equal("P2", Assert.Single(Scorecard.By([facts], Dimension.Priority)).Key);
        Assert.Equal(1, Scorecard.Compute([facts]).Returned);
    }

    [Fact]
    public void Replaying_a_reclassified_timeline_rebuilds_the_same_incident()
    {
        var desk = new Desk("FIRE_HYDRANT_PRESSURE", "CYXC");
        desk.Report(Channel.IotSensor);
        desk.Do(Reclassify(desk, "FIRE_CONFIRMED"));
        var rebuilt = new Lifecycle(Catalog).Replay(desk.Timeline)!;
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(desk.Incident),
            System.Text.Json.JsonSerializer.Serialize(rebuilt)
        );
    }

    [Fact]
    public void A_confirmed_fire_alert_in_the_cell_of_a_hydrant_incident_reclassifies_it_to_p1_and_dispatches_it()
    {
        var desk = new Desk("FIRE_HYDRANT_PRESSURE", "CYXC");
        desk.Report(Channel.IotSensor);
        var here = new GeoPoint(31.245, 121.41);
        var sensor = new Device("smoke-1", "gw-1", "fire", "smoke", here, "CYXC", "FIRE", GridCell.Of(here, Catalog));
        var alert = new Alert("a-9", "smoke-1", "gw-1", "FIRE_CONFIRMED", desk.Now, here, 5);
        var cell = new CellIncident(desk.Number, desk.Incident!.Type, desk.Incident.Priority, desk.Now.AddMinutes(-2));

        var decision = Assert.IsType<AttachAndReclassify>(
            new AlertDecider(Catalog).Decide(alert, sensor, null, [], [cell], desk.Now)
        );
        var after = desk.Do(decision.Command);

        Assert.Equal((IncidentState.Dispatched, Priority.P1), (after.State, after.Priority));
        Assert.Equal(
            ("alert/a-9/reclassify", Role.Gateway),
            (desk.Timeline[^2].CommandId, desk.Timeline[^2].Actor.Role)
        );
    }
}
