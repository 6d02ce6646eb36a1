using System.Text.Json.Nodes;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class DutyPickerTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly GeoPoint Incident = new(31.245, 121.41);

    /// <summary>Monday 30 November 2026, 10:00 in Shanghai.</summary>
    private static readonly DateTimeOffset Monday10 = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));

    private static readonly Shift Days = new([DayOfWeek.Monday, DayOfWeek.Tuesday], new(8, 0), new(20, 0));
    private static readonly Shift MondayNight = new([DayOfWeek.Monday], new(20, 0), new(8, 0));

    private static DutyRoster Roster(params StaffMember[] workers) =>
        new(
            Catalog.Calendar.TimeZone,
            [
                new UnitRoster(
                    "GREEN",
                    "green.duty",
                    null,
                    [.. workers, new StaffMember("green.duty", "值班员", "GREEN", StaffRole.DutyOfficer, [])]
                ),
            ],
            ["ops.leader1"]
        );

    private static StaffMember Worker(string id, params Shift[] shifts) =>
        new(id, id, "GREEN", StaffRole.Worker, shifts.Length == 0 ? [Days] : shifts);

    private static WorkerPosition At(double metresNorth, int minutesAgo = 1) =>
        new(new GeoPoint(Incident.Lat + metresNorth / 111_320, Incident.Lon), 10, Monday10.AddMinutes(-minutesAgo));

    private static string Pick(DutyRoster roster, params WorkerState[] live) =>
        DutyPicker.Pick(roster, "GREEN", Incident, Monday10, live.ToDictionary(s => s.UserId)).UserId;

    [Fact]
    public void A_free_worker_is_picked_before_a_busy_one()
    {
        var roster = Roster(Worker("a"), Worker("b"));
        Assert.Equal(
            "b",
            Pick(
                roster,
                new WorkerState("a", WorkerStatus.Busy, 0, At(10)),
                new WorkerState("b", WorkerStatus.OnDutyFree, 3, At(900))
            )
        );
    }

    [Fact]
    public void Among_free_workers_the_one_with_fewer_open_tasks_is_picked_then_the_nearer()
    {
        var roster = Roster(Worker("a"), Worker("b"), Worker("c"));
        Assert.Equal(
            "c",
            Pick(
                roster,
                new WorkerState("a", null, 2, At(10)),
                new WorkerState("b", null, 1, At(500)),
                new WorkerState("c", null, 1, At(200))
            )
        );
    }

    [Fact]
    public void A_stale_or_missing_position_ranks_after_every_known_distance()
    {
        var roster = Roster(Worker("a"), Worker("b"), Worker("c"));
        Assert.Equal(
            "c",
            Pick(
                roster,
                new WorkerState("a", null, 0, At(5, minutesAgo: 30)),
                new WorkerState("b"),
                new WorkerState("c", null, 0, At(3_000))
            )
        );
        var ranked = DutyPicker.Rank(
            roster,
            "GREEN",
            Incident,
            Monday10,
            new Dictionary<string, WorkerState> { ["a"] = new("a", null, 0, At(5, minutesAgo: 30)) }
        );
        Assert.Equal(["a", "b", "c"], ranked.Select(c => c.Person.UserId));
        Assert.All(ranked, c => Assert.Null(c.Metres));
    }

    [Fact]
    public void Equal_candidates_are_told_apart_by_user_id()
    {
        Assert.Equal("a", Pick(Roster(Worker("b"), Worker("a"))));
        Assert.Equal("a", DutyPicker.Pick(Roster(Worker("b"), Worker("a")), "GREEN", null, Monday10).UserId);
    }

    [Fact]
    public void With_nobody_on_duty_the_unit_s_duty_officer_answers_for_it()
    {
        var roster = Roster(Worker("a", MondayNight));
        var pick = DutyPicker.Pick(roster, "GREEN", Incident, Monday10);
        Assert.Equal(new DutyPick("GREEN", "green.duty", PickBasis.DutyOfficer), pick);
        var signedOff = Roster(Worker("a"));
        Assert.Equal("green.duty", Pick(signedOff, new WorkerState("a", WorkerStatus.OffDuty)));
        Assert.Throws<ArgumentException>(() => DutyPicker.Pick(roster, "FIRE", Incident, Monday10));
    }

    [Fact]
    public void A_night_shift_runs_past_midnight_into_the_next_day()
    {
        var roster = Roster(Worker("night", MondayNight));
        var night = roster.Find("night")!;
        Assert.True(roster.OnShift(night, Monday10.AddHours(10))); // Monday 20:00
        Assert.True(roster.OnShift(night, Monday10.AddHours(21))); // Tuesday 07:00
        Assert.False(roster.OnShift(night, Monday10.AddHours(22))); // Tuesday 08:00
        Assert.False(roster.OnShift(night, Monday10.AddHours(-3))); // Monday 07:00: Sunday has no night shift
        Assert.Equal(
            WorkerStatus.OffDuty,
            roster.StatusOf(night, Monday10, new WorkerState("night", WorkerStatus.OnDutyFree))
        );
    }

    [Fact]
    public void A_board_holds_one_person_for_each_unit_asked()
    {
        var roster = RosterLoader.Load(CatalogLoader.DefaultDirectory(), Catalog);
        var board = DutyPicker.Board(roster, ["FIRE", "OPS", "CYXC", "FIRE"], Incident, Monday10);
        Assert.Equal(["CYXC", "FIRE", "OPS"], board.People.Keys.Order());
        Assert.All(board.People, p => Assert.Equal(p.Key, roster.Find(p.Value)!.Unit));
    }
}

public class RosterTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly DutyRoster Shipped = RosterLoader.Load(CatalogLoader.DefaultDirectory(), Catalog);

    /// <summary>Monday 30 November 2026, 00:00 in Shanghai.</summary>
    private static readonly DateTimeOffset WeekStart = new(2026, 11, 30, 0, 0, 0, TimeSpan.FromHours(8));

    /// <summary>Every quarter hour of a week, and the minute either side of every shift change in the roster.</summary>
    private static IEnumerable<DateTimeOffset> Week() =>
        Enumerable
            .Range(0, 7 * 24 * 4)
            .Select(q => WeekStart.AddMinutes(15 * q))
            .Concat(
                Shipped
                    .People.SelectMany(p => p.Shifts)
                    .SelectMany(s => new[] { s.Start, s.End })
                    .Distinct()
                    .SelectMany(t =>
                        Enumerable
                            .Range(0, 7)
                            .SelectMany(d =>
                                new[] { -1, 0 }.Select(m => WeekStart.AddDays(d).Add(t.ToTimeSpan()).AddMinutes(m))
                            )
                    )
            );

    [Fact]
    public void The_shipped_roster_staffs_every_unit_with_two_workers_a_duty_officer_and_a_head()
    {
        foreach (var unit in Catalog.Units)
        {
            var roster = Shipped.UnitOf(unit.Code);
            Assert.True(roster is not null, $"{unit.Code} has no roster");
            Assert.True(
                roster.Staff.Count(s => s.Role == StaffRole.Worker) >= 2,
                $"{unit.Code} has fewer than two workers"
            );
            Assert.Equal(StaffRole.DutyOfficer, roster.Find(roster.DutyOfficer)!.Role);
            Assert.Equal(StaffRole.UnitHead, roster.Find(roster.Head)!.Role);
        }
        Assert.Equal(Shipped.People.Count(), Shipped.People.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void Every_unit_of_every_route_has_a_worker_on_duty_at_every_hour_of_the_week()
    {
        var routed = Catalog
            .Types.SelectMany(t => Catalog.Streets.Select(s => Catalog.Route(t.Code, s.Code)))
            .SelectMany(r => r.CoUnits.Prepend(r.Lead))
            .ToHashSet();
        Assert.Contains("CYXC", routed);
        foreach (var at in Week())
            foreach (var unit in routed)
            {
                Assert.True(Shipped.OnDuty(unit, at).Any(), $"nobody of {unit} is on duty at {at:ddd HH:mm}");
                Assert.Equal(PickBasis.OnDutyWorker, DutyPicker.Pick(Shipped, unit, null, at).Basis);
            }
    }

    [Fact]
    public void A_district_duty_leader_is_on_shift_at_every_hour_of_the_week()
    {
        foreach (var at in Week())
        {
            var leader = Shipped.Find(Shipped.DistrictDutyLeaderAt(at))!;
            Assert.True(Shipped.OnShift(leader, at), $"no district duty leader on shift at {at:ddd HH:mm}");
            Assert.Equal("OPS", leader.Unit);
        }
    }

    public static TheoryData<string, string> EveryTypeInEveryStreet()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in Catalog.Types.Where(t => t.Scenario != DevicePolicy.MaintenanceScenario))
            foreach (var street in Catalog.Streets)
                data.Add(type.Code, street.Code);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTypeInEveryStreet))]
    public void Machine_dispatch_gives_every_assignment_a_person_who_can_accept_it(string type, string street)
    {
        var lifecycle = new Lifecycle(Catalog);
        foreach (var at in Enumerable.Range(0, 7 * 4).Select(i => WeekStart.AddHours(6 * i + 3)))
        {
            Incident? incident = null;
            void Run(IncidentCommand command)
            {
                var board = DutyPicker.Board(Shipped, lifecycle.UnitsNeedingPeople(incident, command), null, at);
                var outcome = lifecycle.Execute("PT-1", incident, command, at, board);
                Assert.True(outcome.IsAccepted, outcome.Refusal?.Message);
                incident = outcome.Incident;
            }
            Run(
                new ReportIncident("r", Desk.Dispatcher, type, Channel.GridPatrol, street, "巡查发现", Confidence: 0.99)
            );
            if (incident!.State == IncidentState.Reported)
                Run(new FileIncident("f", Desk.Dispatcher));
            if (incident!.State == IncidentState.Filed)
                Run(new DispatchIncident("d", Desk.Dispatcher));

            Assert.NotEmpty(incident!.Assignments);
            Assert.All(
                incident.Assignments,
                a =>
                    Assert.True(
                        Shipped.OnDuty(a.Unit, at).Any(w => w.UserId == a.Worker),
                        $"{type} in {street} at {at:ddd HH:mm}: {a.Unit}'s assignment names {a.Worker ?? "nobody"}"
                    )
            );
        }
    }

    public static TheoryData<string, Action<JsonObject>, string> BrokenRosters =>
        new()
        {
            {
                "unknown unit",
                j => j["units"]![0]!["unit"] = "NOBODY",
                "roster.json: unit NOBODY.unit: unknown unit 'NOBODY'"
            },
            {
                "unknown person",
                j => j["units"]![1]!["dutyOfficer"] = "ghost.7",
                "roster.json: unit CONS.dutyOfficer: unknown person 'ghost.7'"
            },
            {
                "duty officer on another unit's staff",
                j => j["units"]![1]!["dutyOfficer"] = "fire.duty",
                "roster.json: unit CONS.dutyOfficer: 'fire.duty' is on the staff of unit FIRE, not of unit CONS"
            },
            {
                "duty officer in another role",
                j => j["units"]![1]!["dutyOfficer"] = "cons.w1",
                "roster.json: unit CONS.dutyOfficer: 'cons.w1' is on the staff as Worker, not as DutyOfficer"
            },
            {
                "no duty officer",
                j => j["units"]![1]!.AsObject().Remove("dutyOfficer"),
                "roster.json: unit CONS.dutyOfficer: unit CONS has no duty officer"
            },
            {
                "unit without a roster",
                j => j["units"]!.AsArray().RemoveAt(2),
                "roster.json: unit HRSS: has no duty officer"
            },
            {
                "person twice",
                j => j["units"]![1]!["staff"]![0]!["userId"] = "fire.w1",
                "roster.json: unit FIRE.staff[0].userId: 'fire.w1' is on the staff of unit CONS already"
            },
            {
                "bad time",
                j => j["units"]![1]!["staff"]![0]!["shifts"]![0]!["start"] = "25:00",
                "roster.json: unit CONS.staff[0].shifts[0].start: '25:00' is not a time (HH:mm)"
            },
            {
                "bad day",
                j => j["units"]![1]!["staff"]![0]!["shifts"]![0]!["days"]!.AsArray().Add("Caturday"),
                "roster.json: unit CONS.staff[0].shifts[0].days: 'Caturday' is not a day of the week"
            },
            {
                "bad role",
                j => j["units"]![1]!["staff"]![0]!["role"] = "Boss",
                "roster.json: unit CONS.staff[0].role: 'Boss' is not one of Worker, DutyOfficer, UnitHead"
            },
            {
                "worker without shifts",
                j => j["units"]![1]!["staff"]![0]!["shifts"] = new JsonArray(),
                "roster.json: unit CONS.staff[0].shifts: a worker needs at least one shift"
            },
            {
                "leader outside the hub",
                j => j["district"]!["dutyLeaders"] = new JsonArray("fire.duty"),
                "roster.json: district.dutyLeaders: 'fire.duty' is on the staff of unit FIRE, not of the operations hub"
            },
        };

    [Theory]
    [MemberData(nameof(BrokenRosters))]
    public void An_inconsistent_roster_is_refused_naming_the_file_and_entry(
        string what,
        Action<JsonObject> breakIt,
        string expected
    )
    {
        using var copy = new CatalogCopy();
        copy.Edit(RosterLoader.RosterFile, breakIt);
        var error = Assert.Throws<CatalogException>(() => RosterLoader.Load(copy.Path, Catalog));
        Assert.True(error.Message.Contains(expected), $"{what}: {error.Message}");
        Assert.All(error.Issues, i => Assert.Equal(RosterLoader.RosterFile, i.File));
    }

    [Fact]
    public void Unit_staff_change_their_unit_s_roster_and_a_bad_change_names_the_field_and_changes_nothing()
    {
        var green = Shipped.UnitOf("GREEN")!;
        var newcomer = new StaffMember(
            "green.w9",
            "冯晓雨",
            "GREEN",
            StaffRole.Worker,
            [new Shift([DayOfWeek.Saturday], new(9, 0), new(17, 0))]
        );
        var changed = Shipped.With(green with { Staff = [.. green.Staff, newcomer] }, Catalog);
        Assert.True(changed.IsAccepted);
        Assert.Equal("GREEN", changed.Roster!.Find("green.w9")!.Unit);
        Assert.Null(Shipped.Find("green.w9"));

        var unknownUnit = Shipped.With(green with { Unit = "NOBODY" }, Catalog);
        Assert.Contains(unknownUnit.Problems, p => p.Field == "unit");
        var elsewhere = Shipped.With(green with { DutyOfficer = "fire.duty" }, Catalog);
        Assert.Equal("dutyOfficer", Assert.Single(elsewhere.Problems).Field);
        Assert.Null(elsewhere.Roster);
    }
}

public class AssignedPeopleTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly Lifecycle Lifecycle = new(Catalog);
    private static readonly DutyBoard Board = new(
        new Dictionary<string, string>
        {
            ["FIRE"] = "fire.w1",
            ["OPS"] = "ops.w1",
            ["POLICE"] = "police.w1",
            ["CYXC"] = "cyxc.w1",
            ["GREEN"] = "green.w2",
            ["CSL"] = "csl.w1",
            ["ENFORCE"] = "enforce.w1",
        }
    );

    [Fact]
    public void A_p1_report_that_dispatches_itself_names_a_person_for_the_lead_and_every_co_unit()
    {
        var desk = new Desk("CREEK_PERSON_IN_WATER", "CYXC");
        var report = new ReportIncident(
            desk.Id(),
            Desk.Dispatcher,
            "CREEK_PERSON_IN_WATER",
            Channel.AiCamera,
            "CYXC",
            "落水"
        );
        Assert.Equal(["FIRE", "OPS", "POLICE", "CYXC"], Lifecycle.UnitsNeedingPeople(null, report));
        var outcome = Lifecycle.Execute(desk.Number, null, report, desk.Now, Board);
        Assert.Equal(
            [("FIRE", "fire.w1"), ("OPS", "ops.w1"), ("POLICE", "police.w1"), ("CYXC", "cyxc.w1")],
            outcome.Incident!.Assignments.Select(a => (a.Unit, a.Worker!))
        );
        var dispatched = outcome.Events.OfType<IncidentDispatched>().Single();
        Assert.Equal(("fire.w1", 3), (dispatched.Worker, dispatched.CoUnitWorkers!.Count));
    }

    [Fact]
    public void Without_a_board_assignments_name_nobody_as_before()
    {
        var desk = new Desk("CREEK_PERSON_IN_WATER", "CYXC");
        Assert.All(desk.Report(Channel.AiCamera).Assignments, a => Assert.Null(a.Worker));
    }

    [Fact]
    public void A_dispatcher_names_workers_per_unit_and_the_machine_picks_for_the_rest()
    {
        var desk = new Desk();
        desk.To(IncidentState.Filed);
        var command = new DispatchIncident(
            desk.Id(),
            Desk.Dispatcher,
            "GREEN",
            ["CSL", "ENFORCE"],
            "green.w1",
            new Dictionary<string, string> { ["CSL"] = "csl.w2" }
        );
        Assert.Equal(["ENFORCE"], Lifecycle.UnitsNeedingPeople(desk.Incident, command));
        var outcome = Lifecycle.Execute(desk.Number, desk.Incident, command, desk.Now, Board);
        Assert.Equal(
            [("GREEN", "green.w1"), ("CSL", "csl.w2"), ("ENFORCE", "enforce.w1")],
            outcome.Incident!.Assignments.Select(a => (a.Unit, a.Worker!))
        );
    }

    [Fact]
    public void The_route_s_units_need_people_when_the_dispatcher_names_none()
    {
        var desk = new Desk();
        desk.To(IncidentState.Filed);
        IReadOnlyList<string> Units(IncidentCommand command) => Lifecycle.UnitsNeedingPeople(desk.Incident, command);
        Assert.Equal(["GREEN", "CSL"], Units(new DispatchIncident("d", Desk.Dispatcher)));
        Assert.Equal(["CSL"], Units(new DispatchIncident("d", Desk.Dispatcher, Worker: "green.w1")));
        Assert.Empty(Units(new FileIncident("f", Desk.Dispatcher)));
        Assert.Empty(Units(new DispatchIncident("d", Desk.Dispatcher, "GHOST", [])));
    }

    [Fact]
    public void A_redirect_without_a_worker_and_a_reclassification_that_dispatches_itself_need_people()
    {
        var desk = new Desk();
        desk.To(IncidentState.Dispatched);
        var redirect = new RedirectAssignment(desk.Id(), Desk.Dispatcher, "GREEN", "ENFORCE", null, "theirs");
        Assert.Equal(["ENFORCE"], Lifecycle.UnitsNeedingPeople(desk.Incident, redirect));
        var moved = Lifecycle.Execute(desk.Number, desk.Incident, redirect, desk.Now, Board).Incident!;
        Assert.Equal(new Assignment("ENFORCE", true, AssignmentState.Dispatched, "enforce.w1"), moved.Lead);

        var hydrant = new Desk("FIRE_HYDRANT_PRESSURE", "CYXC");
        hydrant.Report(Channel.IotSensor);
        var fire = new ReclassifyIncident(hydrant.Id(), Desk.Dispatcher, "FIRE_CONFIRMED", null, "flames seen");
        Assert.Equal(["FIRE", "OPS", "CYXC"], Lifecycle.UnitsNeedingPeople(hydrant.Incident, fire));
        var after = Lifecycle.Execute(hydrant.Number, hydrant.Incident, fire, hydrant.Now, Board).Incident!;
        Assert.All(after.Assignments, a => Assert.Equal(Board.PersonFor(a.Unit), a.Worker));
    }

    public static TheoryData<Func<Desk, IncidentCommand>> BadWorkers =>
        new()
        {
            d => new DispatchIncident(
                d.Id(),
                Desk.Dispatcher,
                "GREEN",
                ["CSL"],
                null,
                new Dictionary<string, string> { ["FIRE"] = "fire.w1" }
            ),
            d => new DispatchIncident(
                d.Id(),
                Desk.Dispatcher,
                "GREEN",
                ["CSL"],
                null,
                new Dictionary<string, string> { ["CSL"] = " " }
            ),
            d => new DispatchIncident(
                d.Id(),
                Desk.Dispatcher,
                "GREEN",
                ["CSL"],
                "green.w1",
                new Dictionary<string, string> { ["GREEN"] = "green.w2" }
            ),
        };

    [Theory]
    [MemberData(nameof(BadWorkers))]
    public void Workers_for_units_the_dispatch_does_not_reach_or_in_conflict_are_refused(
        Func<Desk, IncidentCommand> command
    )
    {
        var desk = new Desk();
        var before = desk.To(IncidentState.Filed);
        var refused = desk.Try(command(desk));
        Assert.Equal((RefusalKind.InvalidArgument, "workers"), (refused.Refusal!.Kind, refused.Refusal.Field));
        Assert.Same(before, desk.Incident);
    }
}
