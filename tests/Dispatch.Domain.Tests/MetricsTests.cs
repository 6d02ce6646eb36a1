using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class MetricsTests
{
    private static readonly Lifecycle Lifecycle = new(Desk.Catalog);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly TimeZoneInfo Shanghai = Desk.Catalog.Calendar.TimeZone;

    /// <summary>A time in Shanghai in 2026; 30 November is a Monday.</summary>
    private static DateTimeOffset At(int month, int day, int hour, int minute = 0) =>
        new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    private static IncidentFacts Facts(Desk desk) => IncidentFactsFold.From(desk.Timeline, Lifecycle);

    private static Desk Closed(string lead = "GREEN", string street = "CSL", DateTimeOffset? at = null)
    {
        var desk = new Desk(street: street) { Now = at ?? At(11, 30, 10) };
        desk.Report();
        desk.File();
        desk.Dispatch(lead);
        desk.Accept(lead);
        desk.Arrive(lead);
        desk.Submit(lead);
        desk.Approve();
        return desk;
    }

    private static void Check(Desk desk) => desk.Do(new CheckDeadlines(desk.Id(), Actor.System));

    [Fact]
    public void Closure_and_on_time_rates_count_the_incidents_that_met_their_deadlines()
    {
        var onTime = new Desk();
        onTime.To(IncidentState.Closed);

        var lateHandling = new Desk();
        lateHandling.Report();
        lateHandling.File();
        lateHandling.Dispatch("GREEN", "CSL");
        foreach (var unit in new[] { "GREEN", "CSL" })
        {
            lateHandling.Accept(unit);
            lateHandling.Arrive(unit);
        }
        // Handling is allotted 1 working day from Monday 10:00, so it was due on Tuesday at 10:00.
        lateHandling.Now = At(12, 1, 11);
        lateHandling.Submit("GREEN");
        lateHandling.Submit("CSL");
        lateHandling.Approve();

        // Accepting is allotted 2 working hours: due Monday 12:00, listed for supervision at 14:00.
        var stuck = new Desk();
        stuck.To(IncidentState.Dispatched);
        stuck.Now = At(12, 1, 10);
        Check(stuck);

        var dismissed = new Desk();
        dismissed.To(IncidentState.Dismissed);

        var late = Facts(lateHandling);
        Assert.Equal(
            (true, true, (bool?)null, false, true),
            (
                late.DispatchingOnTime,
                late.AcceptingOnTime,
                late.ArrivingOnTime,
                late.HandlingOnTime,
                late.ReviewingOnTime
            )
        );
        Assert.False(late.ClosedOnTime);
        Assert.True(Facts(onTime).ClosedOnTime);
        Assert.Equal(EscalationLevel.ListedForSupervision, Facts(stuck).Escalation);
        Assert.False(Facts(stuck).AcceptingOnTime);

        var figures = Scorecard.Compute([Facts(onTime), late, Facts(stuck), Facts(dismissed)]);
        Assert.Equal(
            (4, 3, 1, 2, 1),
            (figures.Reported, figures.Filed, figures.Dismissed, figures.Closed, figures.ClosedOnTime)
        );
        Assert.Equal(0.75, figures.FilingRate);
        Assert.Equal(2.0 / 3, figures.ClosureRate);
        Assert.Equal(0.5, figures.OnTimeClosureRate);
        Assert.Equal(0.5, figures.OnTimeHandlingRate);
        Assert.Equal(2.0 / 3, figures.OnTimeAcceptanceRate);
        Assert.Equal(1.0, figures.OnTimeDispatchRate);
        Assert.Null(figures.OnTimeArrivalRate);
        Assert.Equal((1, 1), (figures.Overdue, figures.ListedForSupervision));
    }

    [Fact]
    public void A_stage_completed_exactly_at_its_due_time_is_on_time_and_a_second_later_is_not()
    {
        Assert.True(DispatchingOnTimeAfter(TimeSpan.FromMinutes(30)));
        Assert.False(DispatchingOnTimeAfter(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1)));

        static bool? DispatchingOnTimeAfter(TimeSpan wait)
        {
            var desk = new Desk();
            desk.Report();
            desk.File();
            desk.Now += wait;
            desk.Dispatch("GREEN");
            return Facts(desk).DispatchingOnTime;
        }
    }

    [Fact]
    public void An_arrival_deadline_is_measured_for_types_that_have_one()
    {
        var desk = new Desk("SITE_DUST");
        desk.Report();
        desk.File();
        desk.Dispatch("CONS");
        desk.Accept("CONS");
        desk.Now += TimeSpan.FromMinutes(61);
        desk.Arrive("CONS");

        var facts = Facts(desk);
        Assert.False(facts.ArrivingOnTime);
        Assert.Equal(0.0, Scorecard.Compute([facts]).OnTimeArrivalRate);
        Assert.Equal(61 * 60.0, Scorecard.Compute([facts]).SecondsToArriveP50);
    }

    [Fact]
    public void A_paused_clock_counts_only_the_time_it_ran()
    {
        var desk = new Desk();
        desk.To(IncidentState.Dispatched);
        desk.Now = At(11, 30, 11);
        desk.Do(new DeferIncident(desk.Id(), Desk.Dispatcher, "the shop is closed for renovation"));
        desk.Now = At(12, 2, 10);
        desk.Do(new ResumeIncident(desk.Id(), Desk.Dispatcher, "the shop has reopened"));
        // One working hour before the pause and half an hour after it: within the 2 working hours to accept.
        desk.Now = At(12, 2, 10, 30);
        desk.Accept("GREEN");

        var facts = Facts(desk);
        Assert.True(facts.AcceptingOnTime);
        Assert.Equal(1, facts.Deferrals);
        Assert.Equal(1, Scorecard.Compute([facts]).Deferred);
    }

    [Fact]
    public void A_stage_completed_on_a_clock_still_paused_compares_the_time_used_with_the_allotment()
    {
        bool? DispatchedWhilePausedAfter(TimeSpan used)
        {
            var desk = new Desk();
            desk.To(IncidentState.Filed);
            desk.Now += used;
            var before = desk.Do(new DeferIncident(desk.Id(), Desk.Dispatcher, "the street is closed"));
            Assert.True(before.Clock(Stage.Dispatching)!.IsPaused);
            var dispatched = new IncidentDispatched("GREEN", [], Automatic: false)
            {
                Seq = before.Version + 1,
                At = At(12, 9, 10),
            };
            var facts = IncidentFactsFold.Apply(
                Facts(desk),
                before,
                Lifecycle.Evolve(before, dispatched),
                dispatched,
                Desk.Catalog.Calendar
            );
            return facts.DispatchingOnTime;
        }

        Assert.True(DispatchedWhilePausedAfter(TimeSpan.FromMinutes(20)));
        Assert.False(DispatchedWhilePausedAfter(TimeSpan.FromMinutes(40)));
    }

    [Fact]
    public void An_extension_moves_the_deadline_but_an_overdue_escalation_before_it_stays_late()
    {
        Desk Accepted()
        {
            var desk = new Desk();
            desk.To(IncidentState.InProgress);
            desk.Accept(Desk.CoUnit);
            desk.Arrive(Desk.CoUnit);
            return desk;
        }
        void Extend(Desk desk) =>
            desk.Do(
                new ApproveExtension(
                    desk.Id(),
                    Desk.Dispatcher,
                    Allowance.Parse("2wd"),
                    "parts on order",
                    Stage.Handling
                )
            );
        void Finish(Desk desk)
        {
            desk.Submit("GREEN");
            desk.Submit(Desk.CoUnit);
        }

        var extendedInTime = Accepted();
        extendedInTime.Now = At(11, 30, 15);
        Extend(extendedInTime);
        extendedInTime.Now = At(12, 1, 15);
        Finish(extendedInTime);

        var extendedAfterOverdue = Accepted();
        extendedAfterOverdue.Now = At(12, 1, 11);
        Check(extendedAfterOverdue);
        Extend(extendedAfterOverdue);
        extendedAfterOverdue.Now = At(12, 1, 12);
        Finish(extendedAfterOverdue);

        var plain = Accepted();
        Finish(plain);

        Assert.True(Facts(extendedInTime).HandlingOnTime);
        Assert.False(Facts(extendedAfterOverdue).HandlingOnTime);
        Assert.Equal(At(12, 1, 11), Facts(extendedAfterOverdue).OverdueAt);
        var figures = Scorecard.Compute([Facts(extendedInTime), Facts(extendedAfterOverdue), Facts(plain)]);
        Assert.Equal(2, figures.Extended);
        Assert.Equal(2.0 / 3, figures.ExtensionRate);
        Assert.Equal(2.0 / 3, figures.OnTimeHandlingRate);
        Assert.Equal(1, figures.Overdue);
    }

    [Fact]
    public void Dispatch_accuracy_counts_returns_by_the_lead_unit_and_charges_them_to_it()
    {
        var returned = new Desk();
        returned.Report();
        returned.File();
        returned.Dispatch("ENFORCE");
        returned.Do(
            new ReturnAssignment(returned.Id(), Desk.StaffOf("ENFORCE"), "ENFORCE", "not ours: a green-space bin")
        );
        returned.Dispatch("GREEN");

        var coUnitReturned = new Desk();
        coUnitReturned.To(IncidentState.Dispatched);
        coUnitReturned.Do(
            new ReturnAssignment(coUnitReturned.Id(), Desk.StaffOf(Desk.CoUnit), Desk.CoUnit, "not our area")
        );

        var facts = Facts(returned);
        Assert.Equal("GREEN", facts.LeadUnit);
        Assert.Equal(["ENFORCE", "GREEN"], facts.DispatchedTo);
        Assert.Equal(["ENFORCE"], facts.ReturnedBy);
        Assert.Empty(Facts(coUnitReturned).ReturnedBy);

        var incidents = new[] { facts, Facts(coUnitReturned) };
        var figures = Scorecard.Compute(incidents);
        Assert.Equal((2, 3, 1), (figures.Dispatched, figures.Dispatches, figures.Returned));
        Assert.Equal(2.0 / 3, figures.DispatchAccuracy);

        var byUnit = Scorecard.By(incidents, Dimension.Unit).ToDictionary(g => g.Key, g => g.Figures);
        Assert.Equal(["ENFORCE", "GREEN"], byUnit.Keys);
        (int, int, int, double?) Counts(Figures f) => (f.Reported, f.Dispatches, f.Returned, f.DispatchAccuracy);
        Assert.Equal((0, 1, 1, (double?)0.0), Counts(byUnit["ENFORCE"]));
        Assert.Equal((2, 2, 0, (double?)1.0), Counts(byUnit["GREEN"]));
    }

    [Fact]
    public void Rework_rate_is_over_the_incidents_that_reached_review()
    {
        var reworked = new Desk();
        reworked.To(IncidentState.UnderReview);
        reworked.Rework();
        reworked.Submit("GREEN");
        reworked.Submit(Desk.CoUnit);
        reworked.Approve();

        var clean = new Desk();
        clean.To(IncidentState.Closed);

        var working = new Desk();
        working.To(IncidentState.InProgress);

        Assert.Equal(1, Facts(reworked).Reworks);
        Assert.True(Facts(reworked).ReviewingOnTime);
        var figures = Scorecard.Compute([Facts(reworked), Facts(clean), Facts(working)]);
        Assert.Equal((2, 1), (figures.Reviewed, figures.Reworked));
        Assert.Equal(0.5, figures.ReworkRate);
    }

    [Fact]
    public void A_report_of_the_same_type_and_street_within_30_days_of_a_closure_is_a_recurrence()
    {
        var first = Closed(at: At(11, 30, 10));
        Desk Reported(DateTimeOffset at, string street = "CSL", Channel channel = Channel.Hotline)
        {
            var desk = new Desk(street: street) { Now = at };
            desk.Report(channel);
            return desk;
        }
        var again = Reported(At(12, 20, 9), channel: Channel.CitizenApp);
        var elsewhere = Reported(At(12, 10, 9), street: "CYXC");
        var tooLate = Reported(At(12, 31, 10, 1));
        var falseAlarm = Reported(At(12, 5, 9));
        falseAlarm.Do(
            new DismissIncident(falseAlarm.Id(), Desk.Dispatcher, DismissalGround.FalseAlarm, "nothing there")
        );
        var incidents = new[] { first, again, elsewhere, tooLate, falseAlarm }.Select(Facts).ToList();

        Assert.Equal(1, Scorecard.Compute(incidents).Recurrences);
        // Exactly 30 days after the closure still counts.
        Assert.Equal(2, Scorecard.Compute(incidents.Append(Facts(Reported(At(12, 30, 10))))).Recurrences);
        // The closed incident came in by hotline and the recurrence by the citizen app: found across the whole set.
        var byChannel = Scorecard.By(incidents, Dimension.Channel).ToDictionary(g => g.Key, g => g.Figures.Recurrences);
        Assert.Equal(1, byChannel["CitizenApp"]);
        Assert.Equal(0, byChannel["Hotline"]);
        Assert.Equal(0, Scorecard.Compute(incidents.Where(f => f != incidents[0])).Recurrences);
    }

    [Fact]
    public void Figures_group_by_lead_unit_and_by_street()
    {
        var incidents = new[]
        {
            Facts(Closed("GREEN", "CSL")),
            Facts(Closed("GREEN", "CYXC")),
            Facts(Closed("ENFORCE", "CSL")),
            Facts(new Desk(street: "CYXC").Also(d => d.To(IncidentState.Filed))),
        };

        var byUnit = Scorecard.By(incidents, Dimension.Unit);
        Assert.Equal(["ENFORCE", "GREEN"], byUnit.Select(g => g.Key));
        Assert.Equal([1, 2], byUnit.Select(g => g.Figures.Reported));
        Assert.Equal(3, byUnit.Sum(g => g.Figures.Reported));

        var byStreet = Scorecard.By(incidents, Dimension.Street);
        Assert.Equal(["CSL", "CYXC"], byStreet.Select(g => g.Key));
        Assert.Equal([(2, 2), (2, 1)], byStreet.Select(g => (g.Figures.Reported, g.Figures.Closed)));
        Assert.Equal(0.5, byStreet[1].Figures.ClosureRate);

        Assert.Equal(["P3"], Scorecard.By(incidents, Dimension.Priority).Select(g => g.Key));
        Assert.Equal(["shop"], Scorecard.By(incidents, Dimension.Scenario).Select(g => g.Key));
    }

    [Fact]
    public void Units_are_ranked_by_score_with_ties_sharing_a_rank_and_graded_green_yellow_red()
    {
        var lateHandling = new Desk();
        lateHandling.Report();
        lateHandling.File();
        lateHandling.Dispatch("ENFORCE");
        lateHandling.Accept("ENFORCE");
        lateHandling.Arrive("ENFORCE");
        lateHandling.Now = At(12, 1, 11);
        lateHandling.Submit("ENFORCE");
        lateHandling.Approve();

        var neverAccepted = new Desk();
        neverAccepted.Report();
        neverAccepted.File();
        neverAccepted.Dispatch("CONS");
        neverAccepted.Now = At(11, 30, 13);
        Check(neverAccepted);

        var ranking = Scorecard.Rank([
            Facts(Closed("GREEN")),
            Facts(Closed("GREEN")),
            Facts(Closed("ECO")),
            Facts(lateHandling),
            Facts(neverAccepted),
        ]);

        Assert.Equal(
            [(1, "ECO", Grade.Green), (1, "GREEN", Grade.Green), (3, "ENFORCE", Grade.Yellow), (4, "CONS", Grade.Red)],
            ranking.Select(r => (r.Rank, r.Unit, r.Grade))
        );
        Assert.Equal(100, ranking[0].Score);
        // On-time handling (30) missed; closure, accuracy, acceptance and no rework (25 + 15 + 15 + 15) met.
        Assert.Equal(70, ranking[2].Score, 9);
        // Only closure (25, missed), accuracy (15, met) and acceptance (15, missed) can be rated: 15 of 55.
        Assert.Equal(100 * 15 / 55.0, ranking[3].Score, 9);
        Assert.Equal(2, ranking[1].Figures.Reported);
    }

    [Theory]
    [InlineData(100, Grade.Green)]
    [InlineData(85, Grade.Green)]
    [InlineData(84.99, Grade.Yellow)]
    [InlineData(70, Grade.Yellow)]
    [InlineData(69.99, Grade.Red)]
    [InlineData(0, Grade.Red)]
    public void Grades_turn_at_85_and_70(double score, Grade grade) => Assert.Equal(grade, Scorecard.GradeOf(score));

    [Fact]
    public void A_set_with_nothing_to_rate_has_counts_of_zero_and_no_rates()
    {
        var empty = Scorecard.Compute([]);
        Assert.Equal(0, empty.Reported);
        Assert.Null(empty.FilingRate);
        Assert.Null(empty.DispatchAccuracy);
        Assert.Null(empty.SecondsToCloseP90);
        Assert.Null(empty.Score);
        Assert.Empty(Scorecard.Rank([]));
    }

    [Fact]
    public void Times_to_dispatch_are_nearest_rank_percentiles_in_seconds()
    {
        var incidents = new[] { 10, 20, 30 }
            .Select(minutes =>
            {
                var desk = new Desk();
                desk.Report();
                desk.File();
                desk.Now += TimeSpan.FromMinutes(minutes);
                desk.Dispatch("GREEN");
                return Facts(desk);
            })
            .Append(Facts(new Desk().Also(d => d.To(IncidentState.Filed))));

        var figures = Scorecard.Compute(incidents);
        Assert.Equal(20 * 60.0, figures.SecondsToDispatchP50);
        Assert.Equal(30 * 60.0, figures.SecondsToDispatchP90);
        Assert.Null(figures.SecondsToCloseP50);
    }

    [Fact]
    public void A_self_resolved_incident_is_closed_and_a_reopened_one_is_not()
    {
        var resolved = new Desk("DEVICE_OFFLINE", "WL");
        resolved.Report(Channel.System);
        resolved.Now += TimeSpan.FromHours(1);
        resolved.Do(new ResolveIncident(resolved.Id(), Actor.System, "heartbeat received"));

        var reopened = new Desk();
        reopened.To(IncidentState.Closed);
        reopened.Do(new ReopenIncident(reopened.Id(), Desk.Dispatcher, "bin overflowing again"));

        var r = Facts(reopened);
        Assert.Equal(((DateTimeOffset?)null, 1, IncidentState.Filed), (r.ClosedAt, r.Reopens, r.State));
        Assert.NotNull(r.FirstClosedAt);
        var figures = Scorecard.Compute([Facts(resolved), r]);
        Assert.Equal((1, 1, (double?)0.5), (figures.Closed, figures.Reopened, figures.ClosureRate));
        Assert.Equal(3600.0, figures.SecondsToCloseP90);
    }

    [Fact]
    public void The_trend_has_a_point_per_Shanghai_day_including_empty_ones()
    {
        // 00:30 on 30 November in Shanghai is still 29 November in UTC.
        var early = new Desk { Now = At(11, 30, 0, 30) };
        early.To(IncidentState.Closed);

        var lateNight = new Desk { Now = At(11, 30, 23, 59) };
        lateNight.Report();
        lateNight.Now = At(12, 1, 0, 10);
        lateNight.File();
        lateNight.Now = At(12, 1, 1, 30);
        Check(lateNight);

        var dismissed = new Desk { Now = At(12, 2, 10) };
        dismissed.To(IncidentState.Dismissed);

        var incidents = new[] { early, lateNight, dismissed }.Select(Facts).ToList();
        var trend = Scorecard.Trend(incidents, new DateOnly(2026, 11, 29), new DateOnly(2026, 12, 3), Shanghai);

        Assert.Equal(
            [
                new TrendPoint(new DateOnly(2026, 11, 29), 0, 0, 0, 0, 0, 0),
                new TrendPoint(new DateOnly(2026, 11, 30), 2, 1, 0, 1, 1, 0),
                new TrendPoint(new DateOnly(2026, 12, 1), 0, 1, 0, 0, 0, 1),
                new TrendPoint(new DateOnly(2026, 12, 2), 1, 0, 1, 0, 0, 0),
                new TrendPoint(new DateOnly(2026, 12, 3), 0, 0, 0, 0, 0, 0),
            ],
            trend
        );

        var utc = Scorecard.Trend(incidents, new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 29), TimeZoneInfo.Utc);
        Assert.Equal(new TrendPoint(new DateOnly(2026, 11, 29), 1, 1, 0, 1, 1, 0), Assert.Single(utc));
        Assert.Throws<ArgumentException>(() =>
            Scorecard.Trend(incidents, new DateOnly(2026, 12, 3), new DateOnly(2026, 12, 1), Shanghai)
        );
    }

    [Fact]
    public void Folding_event_by_event_gives_the_same_facts_as_folding_the_stored_timeline()
    {
        var desk = new Desk();
        Incident? incident = null;
        IncidentFacts? running = null;
        var seen = 0;
        void Step(Action<Desk> act)
        {
            act(desk);
            foreach (var e in desk.Timeline.Skip(seen))
            {
                var after = Lifecycle.Evolve(incident, e);
                running = IncidentFactsFold.Apply(running, incident, after, e, Desk.Catalog.Calendar);
                incident = after;
            }
            seen = desk.Timeline.Count;
            Assert.Equal(IncidentFactsFold.From(desk.Timeline, Lifecycle), running);
        }

        Step(d => d.Report());
        Step(d => d.File());
        Step(d => d.Dispatch("ENFORCE"));
        Step(d => d.Do(new ReturnAssignment(d.Id(), Desk.StaffOf("ENFORCE"), "ENFORCE", "not ours")));
        Step(d => d.Dispatch("GREEN", Desk.CoUnit));
        Step(d => d.Accept("GREEN"));
        Step(d =>
        {
            d.Now = At(11, 30, 11);
            d.Do(new DeferIncident(d.Id(), Desk.Dispatcher, "waiting for the owner"));
        });
        Step(d =>
        {
            d.Now = At(12, 2, 10);
            d.Do(new ResumeIncident(d.Id(), Desk.Dispatcher, "owner is back"));
        });
        Step(d =>
            d.Do(
                new ApproveExtension(
                    d.Id(),
                    Desk.Dispatcher,
                    Allowance.Parse("1wd"),
                    "more bins than reported",
                    Stage.Handling
                )
            )
        );
        Step(d =>
        {
            d.Arrive("GREEN");
            d.Accept(Desk.CoUnit);
            d.Arrive(Desk.CoUnit);
        });
        Step(d =>
        {
            d.Now = At(12, 3, 17);
            Check(d);
        });
        Step(d =>
        {
            d.Submit("GREEN");
            d.Submit(Desk.CoUnit);
        });
        Step(d => d.Rework());
        Step(d =>
        {
            d.Now = At(12, 4, 10);
            d.Submit("GREEN");
            d.Submit(Desk.CoUnit);
        });
        Step(d => d.Approve());
        Step(d => d.Do(new ReopenIncident(d.Id(), Desk.Dispatcher, "bin overflowing again")));
        Step(d => d.Dispatch("GREEN"));

        var facts = running!;
        Assert.Equal(["ENFORCE", "GREEN", "GREEN"], facts.DispatchedTo);
        Assert.Equal(["ENFORCE"], facts.ReturnedBy);
        Assert.Equal((1, 1, 1, 1), (facts.Reworks, facts.Deferrals, facts.Extensions, facts.Reopens));
        Assert.Equal(EscalationLevel.Warned, facts.Escalation);
        Assert.Null(facts.ClosedAt);
        Assert.Equal(At(12, 4, 10), facts.FirstClosedAt);

        // The same facts from the timeline as it is stored (JSON) and read back.
        var stored = JsonSerializer.Serialize<List<IncidentEvent>>(desk.Timeline, Web);
        var replayed = JsonSerializer.Deserialize<List<IncidentEvent>>(stored, Web)!;
        Assert.Equal(facts, IncidentFactsFold.From(replayed, Lifecycle));
        Assert.Throws<ArgumentException>(() => IncidentFactsFold.From([], Lifecycle));
    }

    [Fact]
    public void Incident_facts_and_figures_round_trip_through_json()
    {
        var desk = new Desk();
        desk.Report();
        desk.File();
        desk.Dispatch("ENFORCE");
        desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("ENFORCE"), "ENFORCE", "not ours"));
        desk.Dispatch("GREEN");
        desk.Accept("GREEN");
        var facts = Facts(desk);

        var json = JsonSerializer.Serialize(facts, Web);
        Assert.Contains("\"dispatchedTo\":[\"ENFORCE\",\"GREEN\"]", json);
        Assert.Contains("\"priority\":\"P3\"", json);
        Assert.Contains("\"acceptingOnTime\":true", json);
        Assert.Equal(facts, JsonSerializer.Deserialize<IncidentFacts>(json, Web));

        var figures = Scorecard.Compute([facts]);
        Assert.Equal(figures, JsonSerializer.Deserialize<Figures>(JsonSerializer.Serialize(figures, Web), Web));
        Assert.Equal("\"Street\"", JsonSerializer.Serialize(Dimension.Street, Web));
        Assert.Equal("\"Yellow\"", JsonSerializer.Serialize(Grade.Yellow, Web));
    }

    [Fact]
    public void The_false_alarm_rate_counts_device_reports_dismissed_as_false_alarms()
    {
        var lifecycle = new Lifecycle(Desk.Catalog);
        var falseAlarm = new Desk();
        falseAlarm.Report(Channel.AiCamera);
        falseAlarm.Do(new DismissIncident(falseAlarm.Id(), Desk.Dispatcher, DismissalGround.FalseAlarm, "glare"));
        var real = new Desk();
        real.Report(Channel.IotSensor);
        var hotline = new Desk();
        hotline.Report(Channel.Hotline);
        hotline.Do(new DismissIncident(hotline.Id(), Desk.Dispatcher, DismissalGround.FalseAlarm, "prank call"));

        var figures = Scorecard.Compute([
            .. new[] { falseAlarm, real, hotline }.Select(d => IncidentFactsFold.From(d.Timeline, lifecycle)),
        ]);

        Assert.Equal(2, figures.DeviceReported);
        Assert.Equal(1, figures.FalseAlarms);
        Assert.Equal(0.5, figures.FalseAlarmRate);
    }
}

internal static class DeskExtensions
{
    /// <summary>
    /// Runs <paramref name="act"/> on the desk and returns it, to build an incident inside an expression.
    /// </summary>
    public static Desk Also(this Desk desk, Action<Desk> act)
    {
        act(desk);
        return desk;
    }
}
