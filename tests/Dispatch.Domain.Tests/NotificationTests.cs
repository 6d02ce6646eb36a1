using System.Text.Json.Nodes;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class NotificationTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly Lifecycle Lifecycle = new(Catalog);
    private static readonly DutyRoster Roster = RosterLoader.Load(CatalogLoader.DefaultDirectory(), Catalog);
    private static readonly NotificationPolicy Policy = NotificationPolicyLoader.Load(
        CatalogLoader.DefaultDirectory(),
        Catalog,
        Roster
    );

    private static NoticeRecipient Assignee(string unit, string? worker = null) =>
        NoticeRecipient.Assignee(unit, worker ?? $"worker.{unit}");

    /// <summary>Does <paramref name="command"/> at the desk and gives the notices of the events it appended.</summary>
    private static List<Notice> After(Desk desk, IncidentCommand command)
    {
        var start = desk.Timeline.Count;
        var incident = desk.Incident;
        desk.Do(command);
        var notices = new List<Notice>();
        foreach (var e in desk.Timeline.Skip(start))
        {
            var after = Lifecycle.Evolve(incident, e);
            notices.AddRange(Policy.NoticesFor(e, incident, after));
            incident = after;
        }
        return notices;
    }

    private static (NoticeTopic, NoticeRecipient)[] Told(IEnumerable<Notice> notices) =>
        [.. notices.Select(n => (n.Topic, n.To))];

    private static Desk Filed(string type = "SHOP_BIN_OVERFLOW", string street = "CSL")
    {
        var desk = new Desk(type, street);
        desk.Report(Channel.GridPatrol);
        if (desk.Incident!.State == IncidentState.Reported)
            desk.File();
        return desk;
    }

    private static DispatchIncident Dispatch(Desk desk, string lead, params string[] coUnits) =>
        new(
            desk.Id(),
            Desk.Dispatcher,
            lead,
            coUnits,
            null,
            coUnits.Prepend(lead).ToDictionary(u => u, u => $"worker.{u}")
        );

    [Fact]
    public void A_dispatch_tells_the_assignee_of_every_assignment()
    {
        var desk = Filed();
        var notices = After(desk, Dispatch(desk, "GREEN", "CSL"));
        Assert.Equal(
            [(NoticeTopic.Dispatched, Assignee("GREEN")), (NoticeTopic.Dispatched, Assignee("CSL"))],
            Told(notices)
        );
        Assert.All(
            notices,
            n =>
                Assert.Equal(
                    (NoticeUrgency.Normal, (TimeSpan?)null, desk.Number),
                    (n.Urgency, n.EscalateAfter, n.Incident)
                )
        );
        Assert.Equal(["GREEN", "CSL"], notices.Select(n => n.Unit));
    }

    [Fact]
    public void A_p1_dispatch_tells_the_duty_officer_too_and_escalates_after_two_minutes_and_fire_tells_its_head()
    {
        var desk = new Desk("FIRE_HYDRANT_PRESSURE", "CYXC");
        desk.Report(Channel.IotSensor);
        var notices = After(desk, new ReclassifyIncident(desk.Id(), Desk.Dispatcher, "FIRE_CONFIRMED", null, "flames"));
        var dispatched = notices.Where(n => n.Topic == NoticeTopic.Dispatched).ToList();
        Assert.Equal(
            [
                NoticeRecipient.Assignee("FIRE", null),
                NoticeRecipient.DutyOfficer("FIRE"),
                NoticeRecipient.UnitHead("FIRE"),
                NoticeRecipient.Assignee("OPS", null),
                NoticeRecipient.DutyOfficer("OPS"),
                NoticeRecipient.Assignee("CYXC", null),
                NoticeRecipient.DutyOfficer("CYXC"),
            ],
            dispatched.Select(n => n.To)
        );
        Assert.All(
            dispatched,
            n => Assert.Equal((NoticeUrgency.Critical, TimeSpan.FromMinutes(2)), (n.Urgency, n.EscalateAfter))
        );
        Assert.Contains((NoticeTopic.Reclassified, NoticeRecipient.Dispatchers), Told(notices));
    }

    [Fact]
    public void Recalling_the_lead_tells_every_assignee_who_lost_the_task()
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN", "CSL"));
        var notices = After(desk, new RecallAssignment(desk.Id(), Desk.Dispatcher, "GREEN", "wrong bureau"));
        Assert.Equal(
            [(NoticeTopic.Recalled, Assignee("GREEN")), (NoticeTopic.Recalled, Assignee("CSL"))],
            Told(notices)
        );
    }

    [Fact]
    public void A_redirect_tells_the_old_holder_and_the_new_one()
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN", "CSL"));
        var notices = After(desk, new RedirectAssignment(desk.Id(), Desk.Dispatcher, "CSL", "CSL", "csl.w2", "closer"));
        Assert.Equal(
            [(NoticeTopic.Recalled, Assignee("CSL")), (NoticeTopic.Redirected, Assignee("CSL", "csl.w2"))],
            Told(notices)
        );
    }

    [Fact]
    public void A_p1_redirect_tells_the_new_unit_s_duty_officer_too()
    {
        var desk = new Desk("BLDG_ELEVATOR_ENTRAPMENT", "CSL");
        desk.Report(Channel.IotSensor); // P1: dispatched by the machine to FIRE, MARKET and OPS
        var notices = After(
            desk,
            new RedirectAssignment(desk.Id(), Desk.Dispatcher, "MARKET", "POLICE", "police.w1", "closer")
        );
        Assert.Equal(
            [
                (NoticeTopic.Recalled, NoticeRecipient.Assignee("MARKET", null)),
                (NoticeTopic.Redirected, Assignee("POLICE", "police.w1")),
                (NoticeTopic.Redirected, NoticeRecipient.DutyOfficer("POLICE")),
            ],
            Told(notices)
        );
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(Priority.P1, 2)]
    public void A_reclassification_tells_the_assignees_and_for_a_p1_the_dispatchers(Priority? priority, int told)
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN"));
        var notices = After(desk, new ReclassifyIncident(desk.Id(), Desk.Dispatcher, "SHOP_SMALL_BAG", priority, "x"));
        Assert.Equal((NoticeTopic.Reclassified, Assignee("GREEN")), Told(notices)[0]);
        Assert.Equal(told, notices.Count);
        Assert.Equal(priority is null ? NoticeUrgency.Normal : NoticeUrgency.Critical, notices[0].Urgency);
    }

    [Fact]
    public void Rework_tells_every_assignee()
    {
        var desk = new Desk();
        desk.To(IncidentState.UnderReview);
        var notices = After(desk, new RequestRework(desk.Id(), Desk.Reviewer, "photo unclear"));
        Assert.Equal([(NoticeTopic.Rework, Assignee("GREEN")), (NoticeTopic.Rework, Assignee("CSL"))], Told(notices));
    }

    [Fact]
    public void A_deadline_climbs_the_unit_s_chain_at_80_100_and_200_percent()
    {
        var desk = Filed("SITE_DUST");
        desk.Do(Dispatch(desk, "CONS")); // P2: accepting 30 minutes
        desk.Now = desk.Now.AddMinutes(25);
        var warned = After(desk, new CheckDeadlines(desk.Id(), Actor.System));
        Assert.Equal([(NoticeTopic.DeadlineWarned, Assignee("CONS"))], Told(warned));
        Assert.Equal(Stage.Accepting, Assert.Single(warned).Stage);

        desk.Now = desk.Now.AddMinutes(10);
        Assert.Equal(
            [
                (NoticeTopic.DeadlineOverdue, Assignee("CONS")),
                (NoticeTopic.DeadlineOverdue, NoticeRecipient.DutyOfficer("CONS")),
                (NoticeTopic.DeadlineOverdue, NoticeRecipient.UnitHead("CONS")),
            ],
            Told(After(desk, new CheckDeadlines(desk.Id(), Actor.System)))
        );

        desk.Now = desk.Now.AddMinutes(30);
        var listed = After(desk, new CheckDeadlines(desk.Id(), Actor.System));
        Assert.Equal(
            [
                (NoticeTopic.DeadlineListed, Assignee("CONS")),
                (NoticeTopic.DeadlineListed, NoticeRecipient.DutyOfficer("CONS")),
                (NoticeTopic.DeadlineListed, NoticeRecipient.UnitHead("CONS")),
                (NoticeTopic.DeadlineListed, NoticeRecipient.DistrictDutyLeader),
            ],
            Told(listed)
        );
        Assert.All(listed, n => Assert.Equal(NoticeUrgency.Critical, n.Urgency));
    }

    [Fact]
    public void A_late_dispatch_is_the_hub_s_desk_the_dispatchers_and_the_hub_s_duty_officer_are_told()
    {
        var desk = Filed("SITE_DUST"); // P2: dispatching 15 minutes
        desk.Now = desk.Now.AddMinutes(16);
        Assert.Equal(
            [
                (NoticeTopic.DeadlineWarned, NoticeRecipient.Dispatchers),
                (NoticeTopic.DeadlineOverdue, NoticeRecipient.Dispatchers),
                (NoticeTopic.DeadlineOverdue, NoticeRecipient.DutyOfficer("OPS")),
                (NoticeTopic.DeadlineOverdue, NoticeRecipient.UnitHead("OPS")),
            ],
            Told(After(desk, new CheckDeadlines(desk.Id(), Actor.System)))
        );
    }

    [Fact]
    public void A_return_tells_the_dispatchers()
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN"));
        var notices = After(desk, new ReturnAssignment(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", "not ours"));
        Assert.Equal([(NoticeTopic.Returned, NoticeRecipient.Dispatchers)], Told(notices));
        Assert.Equal("GREEN", notices[0].Unit);
    }

    [Theory]
    [InlineData("BLDG_ELEVATOR_ENTRAPMENT", 1)]
    [InlineData("SITE_DUST", 0)]
    public void The_dispatchers_are_told_when_a_p1_is_not_accepted_in_time(string type, int toDispatchers)
    {
        var desk = Filed(type);
        if (desk.Incident!.State == IncidentState.Filed)
            desk.Do(Dispatch(desk, "FIRE"));
        desk.Now = desk.Now.AddMinutes(31);
        var notices = After(desk, new CheckDeadlines(desk.Id(), Actor.System));
        var late = notices.Where(n => n.Topic == NoticeTopic.AcceptanceOverdue).ToList();
        Assert.Equal(toDispatchers, late.Count);
        Assert.All(late, n => Assert.Equal((NoticeRecipient.Dispatchers, NoticeUrgency.Critical), (n.To, n.Urgency)));
    }

    [Fact]
    public void Urging_tells_the_assignee_and_the_duty_officer_of_the_urged_units()
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN", "CSL"));
        Assert.Equal(
            [(NoticeTopic.Urged, Assignee("CSL")), (NoticeTopic.Urged, NoticeRecipient.DutyOfficer("CSL"))],
            Told(After(desk, new UrgeIncident(desk.Id(), Desk.Dispatcher, "CSL", "请尽快")))
        );
        Assert.Equal(4, After(desk, new UrgeIncident(desk.Id(), Desk.Dispatcher, null, "请尽快")).Count);
    }

    [Fact]
    public void Events_without_a_rule_tell_nobody()
    {
        var desk = new Desk();
        desk.Report();
        Assert.Empty(After(desk, new AddNote(desk.Id(), Desk.Dispatcher, "called back")));
        Assert.Empty(After(desk, new FileIncident(desk.Id(), Desk.Dispatcher)));
    }

    [Fact]
    public void An_unacknowledged_notice_climbs_the_chain_to_the_district_duty_leader()
    {
        var chain = new List<NoticeRecipient>();
        for (NoticeRecipient? r = NoticeRecipient.Assignee("FIRE", "fire.w1"); r is not null; r = Policy.NextInChain(r))
            chain.Add(r);
        Assert.Equal(
            [
                NoticeRecipient.Assignee("FIRE", "fire.w1"),
                NoticeRecipient.DutyOfficer("FIRE"),
                NoticeRecipient.UnitHead("FIRE"),
                NoticeRecipient.DistrictDutyLeader,
            ],
            chain
        );
        Assert.Equal(NoticeRecipient.DistrictDutyLeader, Policy.NextInChain(NoticeRecipient.Dispatchers));
    }

    [Fact]
    public void Roles_resolve_to_people_of_the_roster()
    {
        var monday10 = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));
        Assert.Equal(["fire.w1"], NoticeRecipient.Assignee("FIRE", "fire.w1").People(Roster, monday10));
        Assert.Equal(["fire.duty"], NoticeRecipient.Assignee("FIRE", null).People(Roster, monday10));
        Assert.Equal(["fire.head"], NoticeRecipient.UnitHead("FIRE").People(Roster, monday10));
        Assert.Equal(["ops.leader1"], NoticeRecipient.DistrictDutyLeader.People(Roster, monday10));
        Assert.Equal(["ops.leader2"], NoticeRecipient.DistrictDutyLeader.People(Roster, monday10.AddHours(12)));
        Assert.Empty(NoticeRecipient.Dispatchers.People(Roster, monday10));
    }

    [Fact]
    public void A_notice_s_key_is_the_same_each_time_its_event_is_read()
    {
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN"));
        var e = desk.Timeline[^1];
        var before = Lifecycle.Replay(desk.Timeline.SkipLast(1));
        var first = Policy.NoticesFor(e, before, desk.Incident!);
        var again = Policy.NoticesFor(e, before, desk.Incident!);
        Assert.Equal(first.Select(n => n.Key), again.Select(n => n.Key));
        Assert.Equal($"{desk.Number}#{e.Seq}/Dispatched/Assignee(GREEN: worker.GREEN)", first[0].Key);
    }

    public static TheoryData<Action<JsonObject>, string> BrokenPolicies =>
        new()
        {
            {
                j => j["rules"]![0]!["on"] = "fireworks",
                "notifications.json: rules[0].on: 'fireworks' is not one of dispatched"
            },
            {
                j => j["rules"]![0]!["notify"]!.AsArray().Add("mayor"),
                "notifications.json: rules[0].notify: 'mayor' is not one of"
            },
            {
                j => j["rules"]![2]!["units"]!.AsArray().Add("NOBODY"),
                "notifications.json: rules[2].units: unknown unit 'NOBODY'"
            },
            {
                j => j["rules"]![1]!["priorities"]!.AsArray().Add("P7"),
                "notifications.json: rules[1].priorities: 'P7' is not one of"
            },
            {
                j => j["escalateUnacknowledged"]!["P1"] = "1wd",
                "escalateUnacknowledged.P1: '1wd' is not a wall-clock allowance"
            },
            { j => j["rules"]!.AsArray().RemoveAt(10), "notifications.json: rules: no rule for returned" },
            {
                j => j["rules"]!.AsArray().Add(new JsonObject { ["on"] = "rework", ["notify"] = new JsonArray() }),
                "notifications.json: rules[16]: a rule for rework with the same units and priorities comes before it"
            },
            {
                j => j["rules"]![0]!["users"] = new JsonArray("ghost.1"),
                "notifications.json: rules[0].users: unknown person 'ghost.1'"
            },
            {
                j => j["chain"] = new JsonArray("assignee", "dutyOfficer"),
                "notifications.json: chain: must end with a role"
            },
        };

    [Theory]
    [MemberData(nameof(BrokenPolicies))]
    public void An_inconsistent_policy_is_refused_naming_the_file_and_entry(Action<JsonObject> breakIt, string expected)
    {
        using var copy = new CatalogCopy();
        copy.Edit(NotificationPolicyLoader.PolicyFile, breakIt);
        var error = Assert.Throws<CatalogException>(() => NotificationPolicyLoader.Load(copy.Path, Catalog, Roster));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_named_user_in_a_rule_is_told_as_well()
    {
        using var copy = new CatalogCopy();
        copy.Edit(NotificationPolicyLoader.PolicyFile, j => j["rules"]![10]!["users"] = new JsonArray("ops.leader1"));
        var policy = NotificationPolicyLoader.Load(copy.Path, Catalog, Roster);
        var desk = Filed();
        desk.Do(Dispatch(desk, "GREEN"));
        desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", "not ours"));
        var notices = policy.NoticesFor(desk.Timeline[^1], Lifecycle.Replay(desk.Timeline.SkipLast(1)), desk.Incident!);
        Assert.Equal([NoticeRecipient.Dispatchers, NoticeRecipient.User("ops.leader1")], notices.Select(n => n.To));
    }
}
