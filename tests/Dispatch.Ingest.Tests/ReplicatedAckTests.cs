using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using StackExchange.Redis;
using Alert = Dispatch.Protos.V1.Alert;
using AlertAck = Dispatch.Protos.V1.AlertAck;
using Disposition = Dispatch.Protos.V1.Disposition;
using GeoPoint = Dispatch.Protos.V1.GeoPoint;

namespace Dispatch.Ingest.Tests;

/// <summary>
/// Acks that survive the loss of a machine: on a Redis Cluster with <c>Store:WaitForReplicas=1</c>, an alert is
/// acknowledged only once a replica of each shard it was written to has it, so a primary killed with SIGKILL right
/// after a burst of acks loses none of them to the replica that takes over, and the system goes on without a silo
/// restart. Cluster-only by nature: a single redis-server has no replica to wait for.
/// </summary>
[Collection(RedisClusterFixture.Collection)]
public class ReplicatedAckTests(RedisClusterFixture redis)
{
    private const int DeviceCount = 12;
    private const int AlertsPerDevice = 4;
    private static readonly Partitions Partitioning = new(Partitions.Default);

    [Fact]
    public async Task Acked_alerts_and_incidents_outlive_a_primary_killed_right_after_the_acks_and_the_system_goes_on()
    {
        var serviceId = $"ack-{Guid.NewGuid():N}"[..16];
        var rig = await Rig.StartAsync(redis, serviceId, waitForReplicas: 1);
        await using var cluster = rig.Cluster;
        await using var ingest = rig.Ingest;
        var silos = await ActiveSilosAsync(cluster);
        var burst = rig
            .Devices.SelectMany(d => Enumerable.Range(0, AlertsPerDevice).Select(_ => rig.Alert(d)))
            .ToList();

        var acks = await rig.Gateway.SendUntilAckedAsync(burst);
        // Right after the last ack: the primary holding the alert record it was written to, with no wait for the
        // replicas to catch up; the ack itself must have waited for its replica.
        var last = acks[^1];
        var lastDevice = DeviceOf(burst, last);
        var victim = PrimaryOf(RecordOf(serviceId, lastDevice));
        var restarted = false;
        try
        {
            var promoted = await redis.KillPrimaryAsync(victim);

            Assert.Equal(burst.Count, acks.Count);
            Assert.All(
                acks,
                a => Assert.True(a.Disposition is Disposition.NewIncident or Disposition.Attached, a.Reason)
            );
            var recorded = (
                await SettledAsync(() => Ops.RecordedAlertsAsync(redis.Connection, serviceId))
            ).ToDictionary(r => r.Alert.AlertId);
            foreach (var ack in acks)
            {
                Assert.True(recorded.TryGetValue(ack.AlertId, out var record), $"acked alert {ack.AlertId} is lost");
                Assert.Equal(
                    (ack.Disposition.ToString(), ack.IncidentNumber),
                    (record.Disposition.ToString(), record.Incident)
                );
            }
            var incidents = acks.Select(a => a.IncidentNumber).Distinct().ToList();
            Assert.True(incidents.Count >= DeviceCount, $"{incidents.Count} incidents of {DeviceCount} devices apart");
            var store = new RedisIncidentStore(
                redis.Connection,
                new KeySpace(serviceId),
                Partitioning,
                redis.Acknowledgement()
            );
            foreach (var number in incidents)
            {
                var stored = await SettledAsync(() => store.LoadAsync(number));
                Assert.True(stored is not null, $"acked incident {number} is lost");
                var events = await SettledAsync(() => Ops.StreamedAsync(redis.Connection, serviceId, number));
                Assert.Equal((1L, "reported"), events[0]);
                Assert.Equal(Enumerable.Range(1, (int)stored.Version).Select(i => (long)i), events.Select(e => e.Seq));
            }

            // The promoted primary has no replica until the killed node returns: an alert written there waits for
            // one and is refused as an outage, never acknowledged on the word of one machine.
            await UntilRoutedAsync(cluster, RecordOf(serviceId, lastDevice), promoted);
            var waiting = rig.Alert(lastDevice);
            var refused = await Assert.ThrowsAsync<RpcException>(() => rig.Gateway.ReportAsync(waiting));
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

            await redis.RestartAsync(victim);
            restarted = true;

            // Sent again, as a gateway does, it is acked now that a replica confirms it.
            var resent = await AcceptedAsync("the refused alert, sent again", () => rig.Gateway.ReportAsync(waiting));
            Assert.StartsWith("PT-", resent.IncidentNumber);
            // Every activation gone, and an ingest without a memory of its own: each acked alert, sent again, is
            // answered from the store as a replay of its first answer.
            await cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            await using var fresh = await IngestServer.StartAsync(cluster, redis, rig.Settings);
            var replays = await (
                rig.Gateway with
                {
                    Client = new AlertIngest.AlertIngestClient(fresh.Channel),
                }
            ).SendUntilAckedAsync(burst);
            Assert.All(replays, r => Assert.Equal(Disposition.DuplicateReplay, r.Disposition));
            Assert.Equal(
                acks.Select(a => (a.AlertId, a.IncidentNumber)).Order(),
                replays.Select(r => (r.AlertId, r.IncidentNumber)).Order()
            );
            // New alerts are acknowledged, and every incident takes a command.
            var after = await rig.Gateway.SendUntilAckedAsync([.. rig.Devices.Select(rig.Alert)]);
            Assert.Equal(DeviceCount, after.Count(a => a.IncidentNumber.StartsWith("PT-", StringComparison.Ordinal)));
            foreach (var number in incidents)
            {
                var note = new AddNote(Ops.Id(), Ops.Dispatcher, "after the failover");
                await AcceptedAsync($"a note on {number}", () => cluster.Grains.Incident(number).ExecuteAsync(note));
            }
            Assert.True(silos.SetEquals(await ActiveSilosAsync(cluster)), "the same silos, none restarted, are active");
        }
        finally
        {
            if (!restarted)
                await redis.RestartAsync(victim);
        }
    }

    [Fact]
    public async Task Without_waiting_for_replicas_a_primary_without_a_replica_acks_on_its_own_word()
    {
        // The control of the test above: the same loss, with Store:WaitForReplicas=0. The alert the waiting system
        // refuses is acknowledged here, which is what an ack lost in a failover would have been acknowledged on.
        var serviceId = $"ack-{Guid.NewGuid():N}"[..16];
        var rig = await Rig.StartAsync(redis, serviceId, waitForReplicas: 0);
        await using var cluster = rig.Cluster;
        await using var ingest = rig.Ingest;
        var device = rig.Devices[0];
        Assert.Equal(Disposition.NewIncident, (await rig.Gateway.ReportAsync(rig.Alert(device))).Disposition);
        var victim = PrimaryOf(RecordOf(serviceId, device));
        try
        {
            var promoted = await redis.KillPrimaryAsync(victim);
            await UntilRoutedAsync(cluster, RecordOf(serviceId, device), promoted);

            var acked = await rig.Gateway.ReportAsync(rig.Alert(device));
            Assert.Equal(Disposition.Attached, acked.Disposition);
            Assert.DoesNotContain(redis.Nodes, n => n.PrimaryId == promoted.Id && !n.IsFailed);
        }
        finally
        {
            await redis.RestartAsync(victim);
        }
    }

    /// <summary>A cluster of two silos, an ingest, a gateway and its cameras, each in a grid cell of its own.</summary>
    private sealed record Rig(
        TestCluster Cluster,
        IngestServer Ingest,
        Gateway Gateway,
        IReadOnlyList<string> Devices,
        Dictionary<string, string?> Settings
    )
    {
        public static async Task<Rig> StartAsync(RedisClusterFixture redis, string serviceId, int waitForReplicas)
        {
            // The product's default wait, so that a refusal comes as fast as it would in production.
            var settings = new Dictionary<string, string?>
            {
                ["Store:WaitForReplicas"] = waitForReplicas.ToString(),
                ["Store:ReplicaTimeout"] = "00:00:00.500",
            };
            var cluster = await TestCluster.StartAsync(redis, silos: 2, serviceId: serviceId, extra: settings);
            var ingest = await IngestServer.StartAsync(cluster, redis, settings);
            var gateway = await ingest.GatewayAsync($"gw-{serviceId}");
            var devices = new List<string>();
            for (var i = 0; i < DeviceCount; i++)
                devices.Add(await ingest.DeviceAsync(City.Camera($"cam-{i}-{serviceId}", gateway.Id, Position(i))));
            return new Rig(cluster, ingest, gateway, devices, settings);
        }

        public Alert Alert(string device) =>
            City.Alert(device, "CREEK_LITTERING", Position(Devices.ToList().IndexOf(device)), confidence: 0.95);

        private static GeoPoint Position(int index) =>
            new() { Lat = 31.215 + index / 6 * 0.01, Lon = 121.35 + index % 6 * 0.015 };
    }

    private static string DeviceOf(IEnumerable<Alert> alerts, AlertAck ack) =>
        alerts.Single(a => a.AlertId == ack.AlertId).DeviceId;

    /// <summary>The alert record a device's alerts are written to.</summary>
    private static string RecordOf(string serviceId, string device) =>
        RedisAlertJournal.Record(new KeySpace(serviceId), Partitioning.Of(device));

    /// <summary>The primary serving <paramref name="key"/>, as the cluster last agreed; found here, at once.</summary>
    private RedisClusterNode PrimaryOf(string key) =>
        redis.Primaries.Single(p => p.Serves(redis.Connection.HashSlot(key)));

    /// <summary>
    /// Waits until the silos' and the ingest's Redis clients send <paramref name="key"/> to the promoted primary,
    /// so that what happens to a write there is the store's answer, not a client still calling the dead node.
    /// </summary>
    private static async Task UntilRoutedAsync(TestCluster cluster, string key, RedisClusterNode promoted)
    {
        var clients = cluster.Silos.Select(s => s.Services.GetRequiredService<IConnectionMultiplexer>()).ToList();
        await Ops.EventuallyAsync(
            async () =>
            {
                foreach (var client in clients)
                {
                    try
                    {
                        await client.GetDatabase().KeyExistsAsync(key);
                    }
                    catch (Exception e) when (StoreOutage.Is(e))
                    {
                        // a client that still calls the dead node fails, and finds the promoted one thereby
                    }
                }
                return clients.Select(c => c.GetServer((RedisKey)key).EndPoint.ToString()).ToList();
            },
            endpoints => endpoints.All(e => e == promoted.EndPoint),
            TimeSpan.FromSeconds(60),
            $"the silos to send {key} to {promoted.EndPoint}"
        );
    }

    /// <summary>What a read gives once the test's own client has found the promoted primary.</summary>
    private static async Task<T> SettledAsync<T>(Func<Task<T>> read)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (StoreOutage.Is(e) && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// The answer to a call once it is given: an outage meanwhile is retried, as a client retries, until the callee's
    /// Redis client has found the promoted primary and a replica confirms the write. A refused command fails the test.
    /// </summary>
    private static async Task<T> AcceptedAsync<T>(string what, Func<Task<T>> call)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var result = await call();
                Assert.False(result is CommandResult { IsAccepted: false }, $"{what} was refused: {Ops.Json(result)}");
                return result;
            }
            catch (Exception e)
                when ((e is RpcException { StatusCode: StatusCode.Unavailable } || StoreOutage.Find(e) is not null)
                    && DateTime.UtcNow < until
                )
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<HashSet<SiloAddress>> ActiveSilosAsync(TestCluster cluster) =>
        [.. (await cluster.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys];
}
