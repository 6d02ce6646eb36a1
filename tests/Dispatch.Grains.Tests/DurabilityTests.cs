using System.Text.Json.Nodes;
using Dispatch.Abstractions;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

[Collection(RedisFixture.Collection)]
public class DurabilityTests(RedisFixture redis)
{
    [Fact]
    public async Task A_new_cluster_on_the_same_redis_reads_the_incident_back_unchanged()
    {
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString, silos: 2);
        var number = await cluster.Grains.ReportAsync(Ops.Report("RENTAL_RELAPSE", "CZ"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        var dispatch = new DispatchIncident(Ops.Id(), Ops.Dispatcher);
        var dispatched = await incident.MustAsync(dispatch);
        await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("HOUSING"), "HOUSING", "w.chen"));
        var before = (Incident: Ops.Json(await incident.GetAsync()), Timeline: Ops.Json(await incident.GetTimelineAsync()));

        await using var restarted = await cluster.RestartAsync();
        var after = restarted.Grains.Incident(number);
        Assert.Equal(before, (Ops.Json(await after.GetAsync()), Ops.Json(await after.GetTimelineAsync())));
        Assert.Equal(dispatched, await after.ExecuteAsync(dispatch));
        Assert.Equal(IncidentState.InProgress, (await after.MustAsync(new ArriveOnSite(Ops.Id(), Ops.StaffOf("HOUSING"), "HOUSING"))).State);
        Assert.Equal(5, (await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)).Count);
    }

    [Fact]
    public async Task A_storage_conflict_fails_the_command_and_the_retry_applies_it_once()
    {
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString);
        var number = await cluster.Grains.ReportAsync(Ops.Report("SHOP_SMALL_BAG", "CSL"));
        var incident = cluster.Grains.Incident(number);
        var key = redis.Connection.GetServer(redis.ConnectionString).Keys(pattern: $"{cluster.ServiceId}/state/*{number}*").Single();
        // Another writer (a second activation during a membership change) got there first: the ETag moved on.
        await redis.Connection.GetDatabase().HashSetAsync(key, "etag", "written-by-someone-else");

        var file = new FileIncident(Ops.Id(), Ops.Dispatcher);
        await Assert.ThrowsAnyAsync<Exception>(() => incident.ExecuteAsync(file));
        var retried = await Ops.EventuallyAsync(() => incident.ExecuteAsync(file), r => r.IsAccepted, TimeSpan.FromSeconds(10), "the retry to succeed");
        Assert.Equal(IncidentState.Filed, retried.State);
        Assert.Equal(retried, await incident.ExecuteAsync(file));
        var timeline = await incident.GetTimelineAsync();
        Assert.Equal([1L, 2L], timeline.Select(e => e.Seq));
        Assert.Equal([(1L, "reported"), (2L, "filed")], await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number));
    }

    [Fact]
    public async Task Deadline_reminders_escalate_each_threshold_once_also_across_a_restart()
    {
        using var catalog = ShortDeadlines(accepting: "4s");
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString, catalogPath: catalog.Path);
        var number = await cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher));

        await Ops.EventuallyAsync(incident.GetAsync, i => i!.Escalation >= EscalationLevel.Warned, TimeSpan.FromSeconds(20), "the 80 % warning");
        await using var restarted = await cluster.RestartAsync();
        var after = restarted.Grains.Incident(number);
        var listed = await Ops.EventuallyAsync(after.GetAsync, i => i!.Escalation == EscalationLevel.ListedForSupervision,
            TimeSpan.FromSeconds(30), "listed supervision at 200 %");
        // Once the stage has no reminder left, nothing can fire again: the timeline is final.
        await Ops.EventuallyAsync(() => Reminders(restarted.ServiceId, number), r => r.Count == 0, TimeSpan.FromSeconds(10), "the reminder to be removed");
        var escalations = (await after.GetTimelineAsync()).OfType<DeadlineEscalated>().Select(e => (e.Stage, e.Level)).ToList();
        Assert.Equal([(Stage.Accepting, EscalationLevel.Warned), (Stage.Accepting, EscalationLevel.Overdue), (Stage.Accepting, EscalationLevel.ListedForSupervision)], escalations);
        Assert.Null(listed!.Clock(Stage.Accepting)!.NextThreshold(restarted.Catalog.Calendar));
    }

    [Fact]
    public async Task A_finished_stage_removes_its_reminder_and_the_next_stage_gets_one()
    {
        using var catalog = ShortDeadlines(accepting: "1h");
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString, catalogPath: catalog.Path);
        var number = await cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL"));
        var incident = cluster.Grains.Incident(number);
        Assert.Equal(["deadline:Filing"], await Reminders(cluster.ServiceId, number));
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher, "CONS"));
        Assert.Equal(["deadline:Accepting"], await Reminders(cluster.ServiceId, number));
        await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("CONS"), "CONS"));
        Assert.Equal(["deadline:Arriving", "deadline:Handling"], await Reminders(cluster.ServiceId, number));
        await incident.MustAsync(new DeferIncident(Ops.Id(), Ops.Dispatcher, "waiting for the permit office"));
        Assert.Empty(await Reminders(cluster.ServiceId, number));
        await incident.MustAsync(new ResumeIncident(Ops.Id(), Ops.Dispatcher, "permit checked"));
        Assert.Equal(["deadline:Arriving", "deadline:Handling"], await Reminders(cluster.ServiceId, number));
    }

    /// <summary>The deadline reminders registered for an incident, read from the Redis reminder table.</summary>
    private async Task<List<string>> Reminders(string serviceId, string number)
    {
        var entries = await redis.Connection.GetDatabase().SortedSetRangeByRankAsync($"{serviceId}/reminders");
        return [.. entries.Select(e => e.ToString()).Where(e => e.Contains(number)).Select(e => System.Text.RegularExpressions.Regex.Match(e, "deadline:[A-Za-z]+").Value).Order()];
    }

    /// <summary>A copy of the shipped catalog where SITE_DUST must be accepted within <paramref name="accepting"/>.</summary>
    private static CatalogCopy ShortDeadlines(string accepting)
    {
        var copy = new CatalogCopy();
        copy.Edit("scenarios/site.json", json => json["types"]![0]!["deadlines"] = new JsonObject { ["accepting"] = accepting });
        return copy;
    }
}
