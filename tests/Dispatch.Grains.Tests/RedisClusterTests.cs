using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Orleans.Runtime;

namespace Dispatch.Grains.Tests;

/// <summary>
/// The tests of this assembly that share the run's Redis Cluster, <see cref="RedisClusterFixture"/>, and an s3rver
/// of their own for the archive's tests (a collection fixture belongs to its collection).
/// </summary>
[CollectionDefinition(RedisClusterFixture.Collection)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>, ICollectionFixture<BlobS3Server>;

/// <summary>
/// Dispatch silos on a Redis Cluster of three primaries with a replica each, given every node in
/// <c>Redis:ConnectionString</c>: Orleans' membership, grain storage and reminders and Dispatch's own keys live on
/// it, spread over the primaries by their slots, and the silos ride out the loss of a primary.
/// </summary>
[Collection(RedisClusterFixture.Collection)]
public class RedisClusterTests(RedisClusterFixture redis)
{
    private static readonly Partitions Partitioning = new(Partitions.Default);

    [Fact]
    public async Task Membership_grain_state_reminders_and_incidents_are_kept_on_the_cluster_across_its_primaries()
    {
        var serviceId = await ServiceIdSpreadOverTwoPrimariesAsync();
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString, silos: 2, serviceId: serviceId);

        var number = await cluster.Silo(0).ReportAsync(Ops.Report("SITE_DUST", "CSL"));

        var incident = await cluster.Silo(1).Incident(number).GetAsync();
        Assert.Equal((number, "SITE_DUST", IncidentState.Reported), (incident!.Number, incident.Type, incident.State));
        Assert.Equal(2, (await ActiveSilosAsync(cluster)).Count);
        var stored = await KeysByPrimaryAsync(serviceId);
        var expected = new[]
        {
            Membership(serviceId),
            $"{serviceId}/reminders",
            RedisIncidentStore.Events(new KeySpace(serviceId), Partitioning.Of(number)),
        };
        foreach (var key in expected)
            Assert.Contains(key, stored[(await redis.PrimaryOfAsync(key)).Port]);
        var state = Assert.Single(
            stored.Values.SelectMany(keys => keys),
            k => k.EndsWith($":incident:{number}", StringComparison.Ordinal)
        );
        Assert.Contains(state, stored[(await redis.PrimaryOfAsync(state)).Port]);
        Assert.True(stored.Count(p => p.Value.Count > 0) >= 2, $"every key on one primary: {Ops.Json(stored)}");
        Assert.Equal([(1L, "reported")], await Ops.StreamedAsync(redis.Connection, serviceId, number));
    }

    [Fact]
    public async Task A_primary_killed_with_sigkill_is_replaced_by_its_replica_and_the_silos_go_on_without_a_restart()
    {
        var serviceId = $"test-{Guid.NewGuid():N}"[..17];
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString, silos: 2, serviceId: serviceId);
        var before = await cluster.Grains.ReportAsync(Ops.Report("SITE_DUST", "CSL"));
        await cluster.Grains.Incident(before).MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        var silos = await ActiveSilosAsync(cluster);
        // What was written has reached the replicas: this test is about failover; an ack that outruns replication
        // is what a commit's WAIT guards against.
        await redis.WaitForReplicationAsync();
        // The primary of the earlier incident's partition: its record, events and deadline entry live there.
        var stream = RedisIncidentStore.Events(new KeySpace(serviceId), Partitioning.Of(before));
        var victim = await redis.PrimaryOfAsync(stream);
        var replica = redis.ReplicaOf(victim);
        try
        {
            var promoted = await redis.KillPrimaryAsync(victim);

            Assert.Equal((replica.Port, true), (promoted.Port, promoted.IsPrimary));
            Assert.Equal(promoted.Port, (await redis.PrimaryOfAsync(stream)).Port);
            var report = Ops.Report("SITE_DUST", "CSL");
            var intake = cluster.Silo(1).GetGrain<IIncidentIntakeGrain>(0);
            var reported = await AcceptedAsync("a report after the failover", () => intake.ReportAsync(report));
            var after = reported.IncidentNumber;
            Assert.NotEqual(before, after);
            var dispatch = new DispatchIncident(Ops.Id(), Ops.Dispatcher);
            var dispatched = await AcceptedAsync(
                "a command to the earlier incident",
                () => cluster.Silo(0).Incident(before).ExecuteAsync(dispatch)
            );
            Assert.Equal(IncidentState.Dispatched, dispatched.State);
            Assert.Equal(IncidentState.Reported, (await cluster.Silo(0).Incident(after).GetAsync())!.State);
            Assert.Equal(
                [(1L, "reported"), (2L, "filed"), (3L, "dispatched")],
                await Ops.StreamedAsync(redis.Connection, serviceId, before)
            );
            Assert.Equal([(1L, "reported")], await Ops.StreamedAsync(redis.Connection, serviceId, after));
            Assert.True(silos.SetEquals(await ActiveSilosAsync(cluster)), "the same silos, none restarted, are active");
        }
        finally
        {
            await redis.RestartAsync(victim);
        }
    }

    /// <summary>
    /// The result of a command once it is accepted. Until the silos' Redis client has found the promoted replica, a
    /// command on its slots fails as a store outage, which a client retries with the same command id.
    /// </summary>
    private static async Task<CommandResult> AcceptedAsync(string what, Func<Task<CommandResult>> command)
    {
        var accepted = await Ops.EventuallyAsync(
            async () =>
            {
                try
                {
                    return new Attempt(await command(), null);
                }
                catch (Exception e)
                {
                    return new Attempt(null, $"{e.GetType().Name}: {e.Message}");
                }
            },
            attempt => attempt.Result is { IsAccepted: true },
            TimeSpan.FromSeconds(60),
            what
        );
        return accepted.Result!;
    }

    /// <summary>One attempt at a command: its result, or why it failed.</summary>
    private sealed record Attempt(CommandResult? Result, string? Error);

    private static string Membership(string serviceId) => $"{serviceId}/members/test";

    /// <summary>
    /// A service id whose Dispatch keys and Orleans membership fall on different primaries. Where a key lives follows
    /// from its slot alone, so choosing the id makes the spread a matter of the cluster's routing rather than of luck.
    /// </summary>
    private async Task<string> ServiceIdSpreadOverTwoPrimariesAsync()
    {
        while (true)
        {
            var serviceId = $"test-{Guid.NewGuid():N}"[..17];
            var dispatch = await redis.PrimaryOfAsync(new KeySpace(serviceId).Shared("events"));
            if (dispatch.Port != (await redis.PrimaryOfAsync(Membership(serviceId))).Port)
                return serviceId;
        }
    }

    /// <summary>The keys of one deployment that each primary holds, by the primary's port.</summary>
    private async Task<Dictionary<int, List<string>>> KeysByPrimaryAsync(string serviceId)
    {
        var stored = new Dictionary<int, List<string>>();
        foreach (var primary in redis.Primaries)
        {
            var keys = stored[primary.Port] = [];
            await foreach (var key in redis.Connection.GetServer(primary.EndPoint).KeysAsync(pattern: $"*{serviceId}*"))
                keys.Add(key!);
        }
        return stored;
    }

    private static async Task<HashSet<SiloAddress>> ActiveSilosAsync(TestCluster cluster) =>
        [.. (await cluster.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys];
}
