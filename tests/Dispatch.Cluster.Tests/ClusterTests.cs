using System.Collections.Concurrent;
using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;
using Alert = Dispatch.Protos.V1.Alert;
using AlertAck = Dispatch.Protos.V1.AlertAck;
using DeviceRegistration = Dispatch.Protos.V1.DeviceRegistration;
using Disposition = Dispatch.Protos.V1.Disposition;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// A real cluster on this machine: two silo processes, ingest and api as processes of their own, on the run's store
/// (one redis-server, or a Redis Cluster). One silo is killed with SIGKILL under load; the other takes over, and
/// nothing acknowledged is lost, nothing is created twice, and every deadline fires once.
/// </summary>
public abstract class ClusterTests(TestStore redis, Xunit.Abstractions.ITestOutputHelper output)
{
    internal const string AdminToken = "cluster-admin";
    private const string ShortType = "FIRE_PASSAGE_BLOCKED";

    [Fact]
    public async Task A_silo_killed_under_load_loses_nothing_acknowledged_creates_nothing_twice_and_misses_no_deadline()
    {
        using var catalog = new CatalogCopy();
        // Deadlines of seconds, so that their thresholds (80 %, 100 %, 200 %) fall during the test.
        catalog.Edit(
            "scenarios/fire.json",
            json =>
            {
                foreach (var type in json["types"]!.AsArray())
                    if ((string?)type!["code"] == ShortType)
                        type["deadlines"] = new System.Text.Json.Nodes.JsonObject { ["filing"] = "8s" };
            }
        );
        var dir = Directory.CreateTempSubdirectory("dispatch-cluster-").FullName;
        var serviceId = $"cl-{Guid.NewGuid():N}"[..12];
        string[] shared =
        [
            .. redis.Arguments,
            $"--Orleans:ServiceId={serviceId}",
            "--Orleans:ClusterId=cluster",
            $"--Catalog:Path={catalog.Path}",
        ];
        string[] silo =
        [
            .. shared,
            "--Orleans:MinimumReminderPeriod=00:00:01",
            "--Orleans:RefreshReminderListPeriod=00:00:01",
            "--Deadlines:ReminderPeriod=00:00:01",
            "--Orleans:Membership:ProbeTimeout=00:00:01",
            "--Orleans:Membership:NumMissedProbesLimit=2",
            "--Orleans:Membership:NumVotesForDeathDeclaration=1",
        ];
        await using var first = ServiceProcess.StartSilo(dir, silo);
        await first.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        await using var second = ServiceProcess.StartSilo(dir, silo);
        await second.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        var (ingestPort, apiPort) = (RedisServer.FreePort(), RedisServer.FreePort());
        await using var ingest = ServiceProcess.Start(
            "Dispatch.Ingest",
            dir,
            [.. shared, $"--Ingest:Port={ingestPort}", "--Ingest:HttpPort=0", $"--Ingest:AdminToken={AdminToken}"]
        );
        await using var api = ServiceProcess.Start(
            "Dispatch.Api",
            dir,
            [
                .. shared,
                $"--Api:GrpcPort={apiPort}",
                $"--Api:HttpPort={RedisServer.FreePort()}",
                "--Identity:DemoUsers=true",
            ]
        );
        await ingest.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));
        await api.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));

        using var ingestChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{ingestPort}");
        using var apiChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{apiPort}");
        var gateway = await CreekGateway.RegisterAsync(ingestChannel, AdminToken, "gw-cluster", devices: 24);
        var cases = new Cases.CasesClient(apiChannel);
        var token = (
            await new Identity.IdentityClient(apiChannel).SignInAsync(
                new SignInRequest { UserId = "dispatcher", Password = "dispatch" }
            )
        ).Token;
        var asDispatcher = new Metadata { { "authorization", $"Bearer {token}" } };

        // Incidents with short deadlines, reported before the kill, so that some of their reminders live on the silo
        // that dies.
        var timed = new List<string>();
        for (var i = 0; i < 8; i++)
            timed.Add(
                (
                    await CreekGateway.Retry(() =>
                        cases
                            .ReportIncidentAsync(
                                new ReportIncidentRequest
                                {
                                    CommandId = $"timed-{i}",
                                    Type = ShortType,
                                    Channel = "Hotline",
                                    Street = "WL",
                                    Description = "消防通道堵塞",
                                },
                                asDispatcher
                            )
                            .ResponseAsync
                    )
                ).Number
            );

        // Load: alerts from every device, each retried like a gateway would until it is acknowledged.
        var acks = new ConcurrentDictionary<string, AlertAck>();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(
            Enumerable
                .Range(0, 24)
                .Select(d =>
                    Task.Run(async () =>
                    {
                        for (var n = 0; !stop.IsCancellationRequested; n++)
                        {
                            var alert = Alert($"dev-{d}", $"dev-{d}-a{n}", d);
                            acks[alert.AlertId] = await CreekGateway.Retry(() => gateway.ReportAsync(alert));
                        }
                    })
                )
        );
        await UntilAsync(() => acks.Count >= 200, "200 alerts acknowledged before the kill");
        first.Kill();
        var atKill = acks.Count;
        await UntilAsync(() => acks.Count >= atKill + 400, "400 more alerts acknowledged after the kill");
        await stop.CancelAsync();
        await load;
        output.WriteLine(
            $"{acks.Count} alerts acknowledged: "
                + string.Join(", ", acks.Values.GroupBy(a => a.Disposition).Select(g => $"{g.Key} {g.Count()}"))
        );

        // The survivor serves every incident: each takes a note.
        foreach (var number in timed.Concat(acks.Values.Select(a => a.IncidentNumber)).Distinct())
            await CreekGateway.Retry(() =>
                cases
                    .AddNoteAsync(
                        new AddNoteRequest
                        {
                            Number = number,
                            CommandId = $"after-kill-{number}",
                            Text = "after the kill",
                        },
                        asDispatcher
                    )
                    .ResponseAsync
            );

        // Every acknowledged alert is in the alert record, and no incident was reported twice.
        var db = redis.Connection.GetDatabase();
        var recorded = (await Ops.RecordedAlertsAsync(redis.Connection, serviceId))
            .Select(e => e.Alert.AlertId)
            .ToHashSet();
        Assert.True(acks.Count > 24, $"only {acks.Count} alerts were acknowledged");
        Assert.All(acks.Keys, id => Assert.Contains(id, recorded));
        var events = (await Ops.CommittedEventsAsync(redis.Connection, serviceId))
            .Select(e => (e.Incident, e.Event.Seq, Kind: DispatchSerialization.KindOf(e.Event)))
            .ToList();
        Assert.All(
            events.GroupBy(e => e.Incident),
            g => Assert.Equal(g.Count(), g.Select(e => e.Seq).Distinct().Count())
        );
        var reported = events.Where(e => e.Kind == "reported").Select(e => e.Incident).ToList();
        Assert.Equal(reported.Count, reported.Distinct().Count());
        Assert.Equal(
            acks.Values.Count(a => a.Disposition == Disposition.NewIncident),
            acks.Values.Where(a => a.Disposition == Disposition.NewIncident)
                .Select(a => a.IncidentNumber)
                .Distinct()
                .Count()
        );
        Assert.Subset(reported.ToHashSet(), acks.Values.Select(a => a.IncidentNumber).ToHashSet());

        // Every deadline threshold of the timed incidents fires, once, on whichever silo is left.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<(string Incident, string Level)> escalations;
        do
        {
            await Task.Delay(500);
            escalations =
            [
                .. (await Ops.CommittedEventsAsync(redis.Connection, serviceId))
                    .Where(e => e.Event is DeadlineEscalated && timed.Contains(e.Incident))
                    .Select(e => (e.Incident, ((DeadlineEscalated)e.Event).Level.ToString())),
            ];
        } while (escalations.Count < timed.Count * 3 && DateTime.UtcNow < until);
        foreach (var number in timed)
            Assert.Equal(
                ["Warned", "Overdue", "ListedForSupervision"],
                escalations.Where(e => e.Incident == number).Select(e => e.Level)
            );

        await api.TerminateAsync(TimeSpan.FromSeconds(30));
        await ingest.TerminateAsync(TimeSpan.FromSeconds(30));
        await second.TerminateAsync(TimeSpan.FromSeconds(30));
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// Waits for a condition of the running load, polling; fails naming it if it does not come within 90 s.
    /// </summary>
    internal static async Task UntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"no {what} within 90 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Devices on the creek bank, each in a grid cell of its own so that no two correlate.</summary>
    internal static Alert Alert(string device, string id, int index) =>
        new()
        {
            AlertId = id,
            DeviceId = device,
            Type = "CREEK_LITTERING",
            Severity = 2,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1)),
            Location = CreekGateway.Position(index),
        };
}

/// <summary>The cluster test on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class ClusterTestsOnRedisServer(RedisFixture redis, Xunit.Abstractions.ITestOutputHelper output)
    : ClusterTests(redis, output);

/// <summary>The cluster test on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class ClusterTestsOnRedisCluster(RedisClusterFixture redis, Xunit.Abstractions.ITestOutputHelper output)
    : ClusterTests(redis, output);

/// <summary>
/// The store itself gone for seconds under load. Single-server by nature: it kills and restarts the one
/// redis-server process (its own, on its files) that the whole system depends on; on a Redis Cluster the loss of a
/// node is a failover, which RedisClusterTests (grains) and ReplicatedAckTests (ingest) cover.
/// </summary>
public class RedisOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Redis_gone_under_load_gives_fast_clear_errors_loses_nothing_acknowledged_and_recovers_by_itself()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-outage-").FullName;
        var binary = RedisServer.FindBinary()!;
        var store = await RedisServer.StartAsync(binary, Path.Combine(dir, "redis"));
        var serviceId = $"out-{Guid.NewGuid():N}"[..12];
        string[] shared =
        [
            $"--Redis:ConnectionString={store.ConnectionString}",
            $"--Orleans:ServiceId={serviceId}",
            "--Orleans:ClusterId=outage",
        ];
        await using var silo = ServiceProcess.StartSilo(dir, shared);
        await silo.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        var ingestPort = RedisServer.FreePort();
        await using var ingest = ServiceProcess.Start(
            "Dispatch.Ingest",
            dir,
            [
                .. shared,
                $"--Ingest:Port={ingestPort}",
                "--Ingest:HttpPort=0",
                $"--Ingest:AdminToken={ClusterTests.AdminToken}",
            ]
        );
        await ingest.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ingestPort}");
        var gateway = await CreekGateway.RegisterAsync(channel, ClusterTests.AdminToken, "gw-cluster", devices: 8);

        var acks = new ConcurrentDictionary<string, (AlertAck Ack, DateTime At)>();
        var errors = new ConcurrentBag<(StatusCode Status, string Detail, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(
            Enumerable
                .Range(0, 8)
                .Select(d =>
                    Task.Run(async () =>
                    {
                        for (var n = 0; !stop.IsCancellationRequested; n++)
                        {
                            var alert = ClusterTests.Alert($"dev-{d}", $"dev-{d}-a{n}", d);
                            while (!stop.IsCancellationRequested)
                            {
                                var started = DateTime.UtcNow;
                                try
                                {
                                    acks[alert.AlertId] = (await gateway.ReportAsync(alert), DateTime.UtcNow);
                                    break;
                                }
                                catch (RpcException e)
                                {
                                    errors.Add((e.StatusCode, e.Status.Detail, DateTime.UtcNow - started));
                                    await Task.Delay(200);
                                }
                            }
                        }
                    })
                )
        );
        await ClusterTests.UntilAsync(() => acks.Count >= 200, "200 alerts acknowledged before Redis goes");
        store.Kill();
        // Redis stays away until the callers have met it for a while: 100 failed calls, a few seconds.
        await ClusterTests.UntilAsync(() => errors.Count >= 100, "callers meeting the outage");
        store = await RedisServer.StartAsync(binary, Path.Combine(dir, "redis"), store.Port);
        var back = DateTime.UtcNow;
        await ClusterTests.UntilAsync(
            () => acks.Values.Count(a => a.At > back.AddSeconds(2)) >= 100,
            "100 alerts acknowledged after Redis returned"
        );
        await stop.CancelAsync();
        await load;
        output.WriteLine(
            $"{acks.Count} acknowledged, {errors.Count} errors: "
                + string.Join(
                    ", ",
                    errors
                        .GroupBy(e => e.Status)
                        .Select(g => $"{g.Key} {g.Count()} (slowest {g.Max(e => e.Took).TotalSeconds:0.0} s)")
                )
        );

        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal(StatusCode.Unavailable, e.Status));
        Assert.All(errors, e => Assert.Contains("send it again", e.Detail));
        Assert.Contains(acks.Values, a => a.At > back.AddSeconds(2));
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString))
        {
            var recorded = (await Ops.RecordedAlertsAsync(connection, serviceId))
                .Select(e => e.Alert.AlertId)
                .ToHashSet();
            Assert.All(acks.Keys, id => Assert.Contains(id, recorded));
        }

        await ingest.TerminateAsync(TimeSpan.FromSeconds(30));
        await silo.TerminateAsync(TimeSpan.FromSeconds(30));
        await store.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }
}
