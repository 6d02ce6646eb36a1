using System.Text.Json.Nodes;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

public abstract class DurabilityTests(TestStore redis)
{
    [Fact]
    public async Task A_new_cluster_on_the_same_redis_reads_the_incident_back_unchanged()
    {
        await using var cluster = await TestCluster.StartAsync(redis, silos: 2);
        var number = await cluster.Grains.ReportAsync(Ops.Report("RENTAL_RELAPSE", "CZ"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        var dispatch = new DispatchIncident(Ops.Id(), Ops.Dispatcher);
        var dispatched = await incident.MustAsync(dispatch);
        await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("HOUSING"), "HOUSING", "w.chen"));
        var before = (
            Incident: Ops.Json(await incident.GetAsync()),
            Timeline: Ops.Json(await incident.GetTimelineAsync())
        );

        await using var restarted = await cluster.RestartAsync();
        var after = restarted.Grains.Incident(number);
        Assert.Equal(before, (Ops.Json(await after.GetAsync()), Ops.Json(await after.GetTimelineAsync())));
        Assert.Equal(dispatched, await after.ExecuteAsync(dispatch));
        Assert.Equal(
            IncidentState.InProgress,
            (await after.MustAsync(new ArriveOnSite(Ops.Id(), Ops.StaffOf("HOUSING"), "HOUSING"))).State
        );
        Assert.Equal(5, (await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)).Count);
    }

    [Fact]
    public async Task A_command_that_meets_another_writers_commit_is_decided_again_on_what_is_stored()
    {
        await using var cluster = await TestCluster.StartAsync(redis);
        var number = await cluster.Grains.ReportAsync(Ops.Report("SHOP_SMALL_BAG", "CSL"));
        var incident = cluster.Grains.Incident(number);
        Assert.NotNull(await incident.GetAsync());
        // Another writer (a second activation during a membership change) stored a note meanwhile.
        var store = cluster.Silos[0].Services.GetRequiredService<IIncidentStore>();
        var stored = (await store.LoadAsync(number))!;
        var note = new NoteAdded("written elsewhere")
        {
            Seq = 2,
            At = DateTimeOffset.UtcNow,
            CommandId = "elsewhere",
            Actor = Ops.Dispatcher,
        };
        await store.CommitAsync(
            number,
            1,
            stored with
            {
                Incident = stored.Incident! with { Version = 2 },
                Timeline = stored.Timeline.Add(note),
            },
            [note],
            null,
            deadlineUnchanged: true,
            traceParent: null
        );

        var file = new FileIncident(Ops.Id(), Ops.Dispatcher);
        var filed = await incident.MustAsync(file);
        Assert.Equal((IncidentState.Filed, 3L, 3L), (filed.State, filed.FirstSeq, filed.LastSeq));
        Assert.Equal(filed, await incident.ExecuteAsync(file));
        Assert.Equal([1L, 2L, 3L], (await incident.GetTimelineAsync()).Select(e => e.Seq));
        Assert.Equal(
            [(1L, "reported"), (2L, "noteAdded"), (3L, "filed")],
            await Ops.StreamedAsync(redis.Connection, cluster.ServiceId, number)
        );
    }

    [Fact]
    public async Task Deadline_reminders_escalate_each_threshold_once_also_across_a_restart()
    {
        using var catalog = ShortDeadlines(accepting: "4s");
        await using var cluster = await TestCluster.StartAsync(redis, catalogPath: catalog.Path);
        var number = await cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL"));
        var incident = cluster.Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher));

        await Ops.EventuallyAsync(
            incident.GetAsync,
            i => i!.Escalation >= EscalationLevel.Warned,
            TimeSpan.FromSeconds(20),
            "the 80 % warning"
        );
        await using var restarted = await cluster.RestartAsync();
        var after = restarted.Grains.Incident(number);
        var listed = await Ops.EventuallyAsync(
            after.GetAsync,
            i => i!.Escalation == EscalationLevel.ListedForSupervision,
            TimeSpan.FromSeconds(30),
            "listed supervision at 200 %"
        );
        // Once the incident has left the deadline index, nothing can fire again: the timeline is final.
        await Ops.EventuallyAsync(
            () => IndexedDeadline(restarted, number),
            d => d is null,
            TimeSpan.FromSeconds(10),
            "the index entry to go"
        );
        var escalations = (await after.GetTimelineAsync())
            .OfType<DeadlineEscalated>()
            .Select(e => (e.Stage, e.Level))
            .ToList();
        Assert.Equal(
            [
                (Stage.Accepting, EscalationLevel.Warned),
                (Stage.Accepting, EscalationLevel.Overdue),
                (Stage.Accepting, EscalationLevel.ListedForSupervision),
            ],
            escalations
        );
        Assert.Null(listed!.Clock(Stage.Accepting)!.NextThreshold(restarted.Catalog.Calendar));
    }

    [Fact]
    public async Task The_deadline_index_holds_each_incidents_next_threshold_and_reminders_do_not_grow_with_incidents()
    {
        using var catalog = ShortDeadlines(accepting: "1h");
        await using var cluster = await TestCluster.StartAsync(redis, catalogPath: catalog.Path);
        var reminders = await Ops.EventuallyAsync(
            () => ReminderCount(cluster.ServiceId),
            n => n == Partitions.Default,
            TimeSpan.FromSeconds(30),
            "one sweeper reminder per partition"
        );
        var number = await cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL"));
        var incident = cluster.Grains.Incident(number);
        var calendar = cluster.Catalog.Calendar;
        async Task<DateTimeOffset?> Expected() =>
            (await incident.GetAsync())!
                .Clocks.Select(c => c.NextThreshold(calendar)?.At)
                .Where(a => a is not null)
                .Min()
                is { } at
                ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds())
                : null;

        Assert.Equal(await Expected(), await IndexedDeadline(cluster, number));
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        await incident.MustAsync(new DispatchIncident(Ops.Id(), Ops.Dispatcher, "CONS"));
        Assert.Equal(await Expected(), await IndexedDeadline(cluster, number));
        await incident.MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("CONS"), "CONS"));
        Assert.Equal(await Expected(), await IndexedDeadline(cluster, number));
        await incident.MustAsync(new DeferIncident(Ops.Id(), Ops.Dispatcher, "waiting for the permit office"));
        Assert.Null(await IndexedDeadline(cluster, number));
        await incident.MustAsync(new ResumeIncident(Ops.Id(), Ops.Dispatcher, "permit checked"));
        Assert.Equal(await Expected(), await IndexedDeadline(cluster, number));

        await Task.WhenAll(
            Enumerable.Range(0, 40).Select(_ => cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL")))
        );
        Assert.Equal(reminders, await ReminderCount(cluster.ServiceId));
    }

    /// <summary>
    /// When the deadline index says the incident's next threshold falls (to the millisecond), or null.
    /// </summary>
    private async Task<DateTimeOffset?> IndexedDeadline(TestCluster cluster, string number)
    {
        var key = $"{{{cluster.ServiceId}:p{new Partitions(Partitions.Default).Of(number)}}}:deadlines";
        return await redis.Connection.GetDatabase().SortedSetScoreAsync(key, number) is { } ms
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms)
            : null;
    }

    /// <summary>How many reminders the Redis reminder table holds for the service.</summary>
    private async Task<long> ReminderCount(string serviceId) =>
        await redis.Connection.GetDatabase().SortedSetLengthAsync($"{serviceId}/reminders");

    /// <summary>
    /// A copy of the shipped catalog where SITE_DUST must be accepted within <paramref name="accepting"/>.
    /// </summary>
    private static CatalogCopy ShortDeadlines(string accepting)
    {
        var copy = new CatalogCopy();
        copy.Edit(
            "scenarios/site.json",
            json => json["types"]![0]!["deadlines"] = new JsonObject { ["accepting"] = accepting }
        );
        return copy;
    }
}

/// <summary>The durability tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class DurabilityTestsOnRedisServer(RedisFixture redis) : DurabilityTests(redis);

/// <summary>The durability tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class DurabilityTestsOnRedisCluster(RedisClusterFixture redis) : DurabilityTests(redis);
