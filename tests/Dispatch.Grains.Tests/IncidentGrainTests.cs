using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains.Tests;

public abstract class IncidentGrainTests(TestStore redis)
{
    public static TheoryData<string, string> OneTypePerScenario =>
        new()
        {
            { "SITE_DUST", "CSL" },
            { "CREEK_PERSON_IN_WATER", "CYXC" },
            { "RENTAL_RED", "ZR" },
            { "FIRE_PASSAGE_BLOCKED", "GQL" },
            { "BLDG_ACCESS_ANOMALY", "CFXC" },
            { "SHOP_SMALL_BAG", "YCL" },
            { "UG_STRUCTURAL", "WL" },
            { "RELIEF_URGENT", "SQL" },
            { "HAZARD_ENTERPRISE", "TP" },
            { "CIV_PATROL", "CZ" },
        };

    [Theory]
    [MemberData(nameof(OneTypePerScenario))]
    public async Task The_full_loop_runs_for_a_type_of_every_scenario(string type, string street)
    {
        var cluster = await redis.SharedCluster();
        var number = await cluster.Grains.ReportAsync(Ops.Report(type, street));
        Assert.Matches(@"^PT-\d{8}-\d{6}$", number);
        // the other silo: the cluster finds the grain wherever it lives
        var incident = cluster.Silo(1).Incident(number);
        if ((await incident.GetAsync())!.State == IncidentState.Reported)
            await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        if ((await incident.GetAsync())!.State == IncidentState.Filed)
            await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher));
        var units = (await incident.GetAsync())!.Assignments.Select(a => a.Unit).ToList();
        Assert.NotEmpty(units);

        async Task HandleAll()
        {
            foreach (var unit in units)
                await incident.MustAsync(
                    new SubmitResult(
                        Ops.Id(),
                        Ops.StaffOf(unit),
                        unit,
                        "handled, see photo",
                        ["evidence/1.jpg"],
                        new GeoPoint(31.25, 121.42)
                    )
                );
        }
        foreach (var unit in units)
        {
            await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf(unit), unit, $"worker.{unit}"));
            await incident.MustAsync(new ArriveOnSite(Ops.Id(), Ops.StaffOf(unit), unit, new GeoPoint(31.25, 121.42)));
        }
        await HandleAll();
        Assert.Equal(IncidentState.UnderReview, (await incident.GetAsync())!.State);
        await incident.MustAsync(new RequestRework(Ops.Id(), Ops.Reviewer, "the photo does not show the site"));
        Assert.Equal(IncidentState.InProgress, (await incident.GetAsync())!.State);
        await HandleAll();
        var closed = await incident.MustAsync(
            new ApproveReview(Ops.Id(), Ops.Reviewer, new Evaluation(4, "fixed on the second visit"))
        );
        Assert.Equal(IncidentState.Closed, closed.State);

        var final = (await incident.GetAsync())!;
        Assert.Equal(
            (type, street, 1, new Evaluation(4, "fixed on the second visit")),
            (final.Type, final.Street, final.Reworks, final.Evaluation)
        );
        var timeline = await incident.GetTimelineAsync();
        Assert.Equal(Enumerable.Range(1, timeline.Count).Select(i => (long)i), timeline.Select(e => e.Seq));
        Assert.Equal(final.Version, timeline[^1].Seq);
        Assert.Equal(
            timeline.Select(e => (e.Seq, Kind(e))),
            await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)
        );
    }

    [Fact]
    public async Task A_returned_incident_is_re_dispatched_to_another_unit()
    {
        var cluster = await redis.SharedCluster();
        var number = await cluster.Grains.ReportAsync(Ops.Report("SHOP_SORTING", "SQL"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher));
        Assert.Equal("SQL", (await incident.GetAsync())!.Lead!.Unit);
        var returned = await incident.MustAsync(
            new ReturnAssignment(Ops.Id(), Ops.StaffOf("SQL"), "SQL", "the shop is in a district-managed market")
        );
        Assert.Equal(IncidentState.Returned, returned.State);
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher, "GREEN", ["MARKET"]));
        var redispatched = (await incident.GetAsync())!;
        Assert.Equal(
            (IncidentState.Dispatched, "GREEN", 1),
            (redispatched.State, redispatched.Lead!.Unit, redispatched.Returns)
        );
        var refused = await incident.ExecuteAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("SQL"), "SQL"));
        Assert.Contains("unit SQL has no assignment", refused.Refusal!.Message);
    }

    [Fact]
    public async Task The_incident_waits_in_progress_until_every_co_unit_has_handled_its_part()
    {
        var cluster = await redis.SharedCluster();
        var number = await cluster.Grains.ReportAsync(Ops.Report("UG_FIRE_HAZARD", "WL"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher));
        string[] units = ["CIVDEF", "FIRE", "WL"];
        Assert.Equal(units, (await incident.GetAsync())!.Assignments.Select(a => a.Unit));
        foreach (var unit in units)
        {
            await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf(unit), unit));
            await incident.MustAsync(new ArriveOnSite(Ops.Id(), Ops.StaffOf(unit), unit));
        }
        foreach (var unit in units[..^1])
            Assert.Equal(
                IncidentState.InProgress,
                (await incident.MustAsync(new SubmitResult(Ops.Id(), Ops.StaffOf(unit), unit, "done", ["p.jpg"]))).State
            );
        Assert.Equal(
            IncidentState.UnderReview,
            (await incident.MustAsync(new SubmitResult(Ops.Id(), Ops.StaffOf("WL"), "WL", "done", ["p.jpg"]))).State
        );
    }

    [Fact]
    public async Task Replaying_a_command_id_returns_the_first_result_and_changes_nothing()
    {
        var cluster = await redis.SharedCluster();
        var report = Ops.Report("CIV_POINT_ISSUE", "GQL");
        var number = await cluster.Grains.ReportAsync(report);
        Assert.Equal(number, await cluster.Silo(1).ReportAsync(report));
        var incident = cluster.Grains.Incident(number);
        var file = new FileIncident(Ops.Id(), Ops.Dispatcher);
        var first = await incident.MustAsync(file);
        var before = await incident.GetTimelineAsync();
        var replays = await Task.WhenAll(
            Enumerable.Range(0, 10).Select(_ => cluster.Silo(1).Incident(number).ExecuteAsync(file))
        );
        Assert.All(replays, r => Assert.Equal(first, r));
        Assert.Equal(Ops.Json(before), Ops.Json(await incident.GetTimelineAsync()));
        Assert.Equal(2, (await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)).Count);
    }

    [Fact]
    public async Task An_illegal_command_is_refused_by_the_grain_and_changes_nothing()
    {
        var cluster = await redis.SharedCluster();
        var number = await cluster.Grains.ReportAsync(Ops.Report("SHOP_BIN_OVERFLOW", "CSL"));
        var incident = cluster.Grains.Incident(number);
        var before = Ops.Json(await incident.GetAsync());
        var refused = await incident.ExecuteAsync(new ApproveReview(Ops.Id(), Ops.Reviewer, new Evaluation(5)));
        Assert.Equal(RefusalKind.IllegalTransition, refused.Refusal!.Kind);
        Assert.Contains("ApproveReview is not allowed in state Reported", refused.Refusal.Message);
        Assert.Equal(before, Ops.Json(await incident.GetAsync()));
        var missing = await cluster
            .Grains.Incident("PT-20200101-999999")
            .ExecuteAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        Assert.Equal(RefusalKind.NotFound, missing.Refusal!.Kind);
    }

    [Fact]
    public async Task A_bad_report_is_refused_naming_the_field_and_spends_no_number()
    {
        var cluster = await redis.SharedCluster();
        var refused = await cluster.Grains.GetGrain<IIncidentIntakeGrain>(0).ReportAsync(Ops.Report("NO_SUCH_TYPE"));
        Assert.StartsWith("type:", refused.Refusal!.Message);
        Assert.Equal("", refused.IncidentNumber);
    }

    [Fact]
    public async Task Reports_from_people_record_their_channel()
    {
        var cluster = await redis.SharedCluster();
        foreach (var channel in new[] { Channel.Hotline, Channel.GridPatrol, Channel.CitizenApp })
        {
            var number = await cluster.Grains.ReportAsync(Ops.Report("CIV_HOTLINE", "CZ", channel));
            var incident = (await cluster.Grains.Incident(number).GetAsync())!;
            Assert.Equal((channel, "王五"), (incident.Channel, incident.Reporter!.Name));
        }
    }

    [Fact]
    public async Task Incident_numbers_are_unique_across_silos_and_a_retried_report_keeps_its_number()
    {
        var cluster = await redis.SharedCluster();
        var reports = Enumerable.Range(0, 60).Select(_ => Ops.Report("SHOP_BIN_OVERFLOW")).ToList();
        var numbers = await Task.WhenAll(reports.Select((r, i) => cluster.Silo(i % 2).ReportAsync(r)));
        Assert.Equal(60, numbers.Distinct().Count());
        Assert.All(numbers, n => Assert.Matches(@"^PT-\d{8}-\d{6}$", n));
        // Sent again, to the other silo, each report gets its number back and opens nothing.
        var again = await Task.WhenAll(reports.Select((r, i) => cluster.Silo((i + 1) % 2).ReportAsync(r)));
        Assert.Equal(numbers, again);
        Assert.All(
            numbers.Take(5),
            n => Assert.Single(cluster.Grains.Incident(n).GetTimelineAsync().Result.OfType<IncidentReported>())
        );
    }

    [Fact]
    public async Task Merging_records_the_merge_on_both_incidents()
    {
        var cluster = await redis.SharedCluster();
        var first = await cluster.Grains.ReportAsync(Ops.Report("CREEK_LITTERING", "CYXC"));
        var second = await cluster.Grains.ReportAsync(Ops.Report("CREEK_LITTERING", "CYXC"));
        var merge = new MergeIncident(Ops.Id(), Ops.Dispatcher, first, "same litter, reported twice");
        Assert.Equal(IncidentState.Merged, (await cluster.Grains.Incident(second).MustAsync(merge)).State);
        Assert.Equal(IncidentState.Merged, (await cluster.Grains.Incident(second).MustAsync(merge)).State);
        Assert.Equal([second], (await cluster.Grains.Incident(first).GetAsync())!.MergedFrom);
        var intoNowhere = await cluster
            .Grains.Incident(first)
            .ExecuteAsync(new MergeIncident(Ops.Id(), Ops.Dispatcher, "PT-20200101-000404", "x"));
        Assert.StartsWith("into:", intoNowhere.Refusal!.Message);
        Assert.Equal(IncidentState.Reported, (await cluster.Grains.Incident(first).GetAsync())!.State);
    }

    [Fact]
    public async Task Many_concurrent_commands_leave_one_consistent_timeline_with_nothing_lost()
    {
        var cluster = await redis.SharedCluster();
        var number = await cluster.Grains.ReportAsync(Ops.Report("HAZARD_ENTERPRISE", "TP"));
        var notes = Enumerable.Range(0, 200).Select(i => new AddNote(Ops.Id(), Ops.Dispatcher, $"note {i}")).ToList();
        var sent = notes
            .Concat(notes.Take(50))
            .Select((note, i) => cluster.Silo(i % 2).Incident(number).ExecuteAsync(note));
        var results = await Task.WhenAll(sent);
        Assert.All(results, r => Assert.True(r.IsAccepted));
        var timeline = await cluster.Grains.Incident(number).GetTimelineAsync();
        Assert.Equal(Enumerable.Range(1, 201).Select(i => (long)i), timeline.Select(e => e.Seq));
        Assert.Equal(
            notes.Select(n => n.CommandId).Order(),
            timeline.OfType<NoteAdded>().Select(e => e.CommandId).Order()
        );
        Assert.Equal(
            timeline.Select(e => (e.Seq, Kind(e))),
            await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)
        );
    }

    /// <summary>
    /// The kind as the JSON says it, read back from the JSON rather than from the serialization's own table.
    /// </summary>
    internal static string Kind(IncidentEvent e) =>
        System.Text.Json.JsonDocument.Parse(Ops.Json(e)).RootElement.GetProperty("kind").GetString()!;
}

/// <summary>The incident grain tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class IncidentGrainTestsOnRedisServer(RedisFixture redis) : IncidentGrainTests(redis);

/// <summary>The incident grain tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class IncidentGrainTestsOnRedisCluster(RedisClusterFixture redis) : IncidentGrainTests(redis);
