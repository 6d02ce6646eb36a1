using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Ingest.Services;
using Dispatch.Protos.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StackExchange.Redis;
using Alert = Dispatch.Protos.V1.Alert;
using AlertAck = Dispatch.Protos.V1.AlertAck;
using DeviceRegistration = Dispatch.Protos.V1.DeviceRegistration;
using Disposition = Dispatch.Protos.V1.Disposition;
using Domain = Dispatch.Domain;
using GeoPoint = Dispatch.Protos.V1.GeoPoint;

namespace Dispatch.Ingest.Tests;

public abstract class IngestTests(TestStore redis) : IAsyncLifetime
{
    private TestCluster cluster = null!;
    private IngestServer ingest = null!;

    /// <summary>
    /// A cluster and an ingest service for each test; a test that needs another catalog starts its own.
    /// </summary>
    public async Task InitializeAsync() => (cluster, ingest) = await StartAsync();

    public async Task DisposeAsync()
    {
        await ingest.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private async Task<(TestCluster Cluster, IngestServer Ingest)> StartAsync(string? catalog = null)
    {
        var started = await TestCluster.StartAsync(redis, catalogPath: catalog);
        return (started, await IngestServer.StartAsync(started, redis));
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>Two gateways, each with a camera on the creek bank.</summary>
    private async Task<(Gateway Gateway, Gateway Other, string Camera, string Foreign)> TwoGatewaysAsync()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var other = await ingest.GatewayAsync($"gw-{Tag()}");
        var (camera, foreign) = ($"cam-{Tag()}", $"cam-{Tag()}");
        await ingest.DeviceAsync(City.Camera(camera, gateway.Id));
        await ingest.DeviceAsync(City.Camera(foreign, other.Id));
        return (gateway, other, camera, foreign);
    }

    [Fact]
    public async Task Each_disposition_is_acknowledged_over_one_stream_and_what_was_taken_in_is_recorded()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var (cam, quiet) = ($"cam-{Tag()}", $"cam-{Tag()}");
        await ingest.DeviceAsync(City.Camera(cam, gateway.Id));
        await ingest.DeviceAsync(City.Camera(quiet, gateway.Id, new GeoPoint { Lat = 31.2700, Lon = 121.4130 }));
        await ingest.Registry.SetSilencedAsync(
            new SetSilencedRequest
            {
                DeviceId = quiet,
                Silenced = true,
                Reason = "lens replacement",
            },
            IngestServer.Admin
        );

        var first = City.Alert(cam, "CREEK_LITTERING", confidence: 0.91);
        var acks = await gateway.SendOneByOneAsync(
            first,
            City.Alert(cam, "CREEK_LITTERING", confidence: 0.88),
            first,
            City.Alert(quiet, "CREEK_LITTERING", new GeoPoint { Lat = 31.2700, Lon = 121.4130 }),
            City.Alert(cam, "NO_SUCH_TYPE")
        );

        Assert.Equal(
            [
                Disposition.NewIncident,
                Disposition.Attached,
                Disposition.DuplicateReplay,
                Disposition.Suppressed,
                Disposition.Rejected,
            ],
            acks.Select(a => a.Disposition)
        );
        Assert.Equal(acks[0].IncidentNumber, acks[1].IncidentNumber);
        Assert.Equal(acks[0].IncidentNumber, acks[2].IncidentNumber);
        Assert.Equal(("type", ""), (acks[4].Field, acks[4].IncidentNumber));
        Assert.Matches(@"^PT-\d{8}-\d{6}$", acks[0].IncidentNumber);

        var recorded = await Ops.RecordedAlertsAsync(redis.Connection, cluster.ServiceId);
        Assert.Equal(
            new[]
            {
                (acks[0].AlertId, "NewIncident"),
                (acks[1].AlertId, "Attached"),
                (acks[3].AlertId, "Suppressed"),
            }.Order(),
            recorded.Select(e => (e.Alert.AlertId, e.Disposition.ToString())).Order()
        ); // devices record independently
        var incident = (await cluster.Grains.Incident(acks[0].IncidentNumber).GetAsync())!;
        Assert.Equal(
            (Channel.AiCamera, "CREEK_LITTERING", IncidentState.Filed),
            (incident.Channel, incident.Type, incident.State)
        );
        var device = await ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }, IngestServer.Admin);
        Assert.Equal((2L, 1L), (device.Alerts, device.IncidentsOpened));
    }

    [Fact]
    public async Task Alerts_handed_to_a_device_together_are_decided_in_their_order_and_each_answered()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var cam = $"cam-{Tag()}";
        await ingest.DeviceAsync(City.Camera(cam, gateway.Id));
        var first = City.Alert(cam, "CREEK_FLOATING_WASTE", confidence: 0.95).ToDomain(gateway.Id);
        var repeat = City.Alert(cam, "CREEK_FLOATING_WASTE", confidence: 0.92).ToDomain(gateway.Id);
        var wrong = City.Alert(cam, "NO_SUCH_TYPE").ToDomain(gateway.Id);

        var acks = await cluster.Grains.GetGrain<IDeviceGrain>(cam).ReceiveAllAsync([first, repeat, first, wrong]);

        Assert.Equal([first.AlertId, repeat.AlertId, first.AlertId, wrong.AlertId], acks.Select(a => a.AlertId));
        Assert.Equal(
            [
                Domain.Disposition.NewIncident,
                Domain.Disposition.Attached,
                Domain.Disposition.DuplicateReplay,
                Domain.Disposition.Rejected,
            ],
            acks.Select(a => a.Disposition)
        );
        Assert.Equal(
            (acks[0].IncidentNumber, acks[0].IncidentNumber),
            (acks[1].IncidentNumber, acks[2].IncidentNumber)
        );
        var recorded = await Ops.RecordedAlertsAsync(redis.Connection, cluster.ServiceId);
        Assert.Equal(
            [first.AlertId, repeat.AlertId],
            recorded.Where(e => e.Alert.DeviceId == cam).Select(e => e.Alert.AlertId)
        );
    }

    [Fact]
    public async Task A_replayed_alert_id_gets_the_same_incident_after_a_silo_restart_and_changes_nothing()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var cam = $"cam-{Tag()}";
        await ingest.DeviceAsync(City.Camera(cam, gateway.Id));
        var alert = City.Alert(cam, "CREEK_FLOATING_WASTE", confidence: 0.95);
        var repeat = City.Alert(cam, "CREEK_FLOATING_WASTE", confidence: 0.93);
        var first = await gateway.ReportAsync(alert);
        var attached = await gateway.ReportAsync(repeat); // stored in the alert record only, not in the device's state
        Assert.Equal((Disposition.Attached, first.IncidentNumber), (attached.Disposition, attached.IncidentNumber));
        await ingest.DisposeAsync();

        var restarted = cluster = await cluster.RestartAsync();
        var again = ingest = await IngestServer.StartAsync(restarted, redis);
        var sameGateway = gateway with { Client = new AlertIngest.AlertIngestClient(again.Channel) };
        foreach (var replayed in new[] { alert, repeat })
        {
            var replay = await sameGateway.ReportAsync(replayed);
            Assert.Equal(
                (Disposition.DuplicateReplay, first.IncidentNumber),
                (replay.Disposition, replay.IncidentNumber)
            );
        }
        var recorded = await Ops.RecordedAlertsAsync(redis.Connection, cluster.ServiceId);
        Assert.Equal([alert.AlertId, repeat.AlertId], recorded.Select(e => e.Alert.AlertId));
        var device = await again.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }, IngestServer.Admin);
        Assert.Equal((2L, 1L), (device.Alerts, device.IncidentsOpened));
        Assert.Single(
            (await restarted.Grains.Incident(first.IncidentNumber).GetTimelineAsync()).OfType<IncidentReported>()
        );
    }

    [Fact]
    public async Task Three_cameras_seeing_one_person_in_the_water_open_one_incident_that_dispatches_itself()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var cameras = Enumerable.Range(0, 3).Select(i => $"cam-{Tag()}").ToList();
        foreach (var (camera, i) in cameras.Select((c, i) => (c, i)))
            await ingest.DeviceAsync(
                City.Camera(camera, gateway.Id, new GeoPoint { Lat = 31.2452 + i * 0.0001, Lon = 121.4105 })
            );

        var acks = await Task.WhenAll(
            cameras.Select(c => gateway.ReportAsync(City.Alert(c, "CREEK_PERSON_IN_WATER", City.CreekBank, 0.97)))
        );
        Assert.Single(acks, a => a.Disposition == Disposition.NewIncident);
        Assert.Equal(2, acks.Count(a => a.Disposition == Disposition.Attached));
        Assert.Single(acks.Select(a => a.IncidentNumber).Distinct());
        var incident = (await cluster.Grains.Incident(acks[0].IncidentNumber).GetAsync())!;
        Assert.Equal((IncidentState.Dispatched, "FIRE"), (incident.State, incident.Lead!.Unit));

        var far = await gateway.ReportAsync(
            City.Alert(cameras[0], "CREEK_LITTERING", new GeoPoint { Lat = 31.2600, Lon = 121.4300 }, 0.95)
        );
        Assert.Equal(Disposition.NewIncident, far.Disposition);
    }

    [Fact]
    public async Task A_doubtful_ai_detection_waits_for_a_dispatcher_and_a_confident_one_files_itself()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var (doubtful, confident) = ($"dust-{Tag()}", $"dust-{Tag()}");
        await ingest.DeviceAsync(City.DustSensor(doubtful, gateway.Id));
        var far = City.DustSensor(confident, gateway.Id);
        far.Location = new GeoPoint { Lat = 31.2300, Lon = 121.3800 };
        far.Street = "CZ";
        await ingest.Registry.RegisterDeviceAsync(far, IngestServer.Admin);
        var low = await gateway.ReportAsync(City.Alert(doubtful, "SITE_DUST", City.Site, 0.6));
        var high = await gateway.ReportAsync(City.Alert(confident, "SITE_DUST", far.Location, 0.97));
        Assert.Equal(IncidentState.Reported, (await cluster.Grains.Incident(low.IncidentNumber).GetAsync())!.State);
        Assert.Equal(IncidentState.Filed, (await cluster.Grains.Incident(high.IncidentNumber).GetAsync())!.State);
    }

    [Fact]
    public async Task Every_kind_of_bad_alert_is_rejected_by_name_and_the_stream_goes_on()
    {
        var (gateway, other, cam, foreign) = await TwoGatewaysAsync();

        Alert With(Action<Alert> spoil)
        {
            var a = City.Alert(cam, "CREEK_LITTERING", confidence: 0.9);
            spoil(a);
            return a;
        }
        var bad = new (string Field, Alert Alert)[]
        {
            ("device_id", City.Alert($"cam-{Tag()}", "CREEK_LITTERING")),
            ("device_id", City.Alert(foreign, "CREEK_LITTERING")),
            ("type", With(a => a.Type = "NO_SUCH_TYPE")),
            ("type", With(a => a.Type = "FIRE_CONFIRMED")),
            ("location", With(a => a.Location = new GeoPoint { Lat = 39.9, Lon = 116.4 })),
            ("observed_at", With(a => a.ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(2)))),
            ("observed_at", With(a => a.ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-3)))),
            ("attributes", With(a => a.Attributes.Add("blob", new string('x', 70_000)))),
            ("gateway_id", With(a => a.GatewayId = other.Id)),
        };
        var good = City.Alert(cam, "CREEK_LITTERING", confidence: 0.9);
        var acks = await gateway.SendAsync([.. bad.Select(b => b.Alert), good]);

        Assert.Equal(bad.Length + 1, acks.Count);
        foreach (var ((field, alert), ack) in bad.Zip(acks))
        {
            Assert.Equal((alert.AlertId, Disposition.Rejected, field), (ack.AlertId, ack.Disposition, ack.Field));
            Assert.StartsWith(field + ":", ack.Reason);
        }
        Assert.Equal(Disposition.NewIncident, acks[^1].Disposition);
        var recorded = await Ops.RecordedAlertsAsync(redis.Connection, cluster.ServiceId);
        Assert.Equal([good.AlertId], recorded.Select(e => e.Alert.AlertId));

        var unary = await Assert.ThrowsAsync<RpcException>(() =>
            gateway.ReportAsync(City.Alert(cam, "CREEK_LITTERING", new GeoPoint { Lat = 0, Lon = 0 }))
        );
        Assert.Equal(StatusCode.InvalidArgument, unary.StatusCode);
        Assert.StartsWith("location:", unary.Status.Detail);
    }

    [Fact]
    public async Task Calls_without_valid_credentials_are_refused()
    {
        var (gateway, other, cam, foreign) = await TwoGatewaysAsync();
        var alert = City.Alert(cam, "CREEK_LITTERING");

        async Task<RpcException> Refused(Metadata? headers) =>
            await Assert.ThrowsAsync<RpcException>(() => gateway.Client.ReportAlertAsync(alert, headers).ResponseAsync);

        var none = await Refused(null);
        Assert.Equal(
            (StatusCode.Unauthenticated, true),
            (none.StatusCode, none.Status.Detail.StartsWith("x-gateway-id:"))
        );
        var wrongSecret = await Refused(
            Protos.GatewaySignature.Headers(
                gateway.Id,
                other.Secret,
                Gateway.Method("ReportAlert"),
                DateTimeOffset.UtcNow
            )
        );
        Assert.Equal(
            (StatusCode.Unauthenticated, true),
            (wrongSecret.StatusCode, wrongSecret.Status.Detail.StartsWith("x-signature:"))
        );
        var stale = await Refused(
            Protos.GatewaySignature.Headers(
                gateway.Id,
                gateway.Secret,
                Gateway.Method("ReportAlert"),
                DateTimeOffset.UtcNow.AddMinutes(-20)
            )
        );
        Assert.StartsWith("x-timestamp:", stale.Status.Detail);

        var signed = gateway.Signed("ReportAlert");
        await gateway.Client.ReportAlertAsync(alert, signed);
        var replayed = await Refused(signed);
        Assert.Equal(
            (StatusCode.Unauthenticated, true),
            (replayed.StatusCode, replayed.Status.Detail.StartsWith("x-nonce:"))
        );

        var notYours = await Assert.ThrowsAsync<RpcException>(() =>
            gateway.ReportAsync(City.Alert(foreign, "CREEK_LITTERING"))
        );
        Assert.Equal(StatusCode.PermissionDenied, notYours.StatusCode);
        Assert.StartsWith("device_id:", notYours.Status.Detail);
        // Replaying another gateway's alert id does not reveal its answer either.
        var spied = await Assert.ThrowsAsync<RpcException>(() => other.ReportAsync(alert));
        Assert.Equal(StatusCode.PermissionDenied, spied.StatusCode);
        Assert.DoesNotContain("PT-", spied.Status.Detail);

        var noAdmin = await Assert.ThrowsAsync<RpcException>(() =>
            ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }).ResponseAsync
        );
        Assert.Equal(StatusCode.Unauthenticated, noAdmin.StatusCode);
    }

    [Fact]
    public async Task A_silent_device_opens_a_maintenance_incident_for_its_owner_and_its_next_heartbeat_closes_it()
    {
        using var catalog = new CatalogCopy();
        catalog.Edit("catalog.json", json => json["devices"]!["heartbeatInterval"] = "2s");
        await DisposeAsync();
        (cluster, ingest) = await StartAsync(catalog.Path);
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var cam = $"cam-{Tag()}";
        var registration = City.Camera(cam, gateway.Id);
        registration.OwnerUnit = "GREEN";
        await ingest.Registry.RegisterDeviceAsync(registration, IngestServer.Admin);

        using (var beats = gateway.Client.StreamHeartbeats(gateway.Signed("StreamHeartbeats")))
        {
            await beats.RequestStream.WriteAsync(
                new Heartbeat { DeviceId = cam, SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }
            );
            Assert.True(await beats.ResponseStream.MoveNext(CancellationToken.None));
            Assert.True(beats.ResponseStream.Current.Accepted);
            await beats.RequestStream.CompleteAsync();
        }

        var offline = await Ops.EventuallyAsync(
            async () =>
                await ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }, IngestServer.Admin),
            d => d.MaintenanceIncident != "",
            TimeSpan.FromSeconds(20),
            "the maintenance incident"
        );
        Assert.False(offline.Online);
        var incident = (await cluster.Grains.Incident(offline.MaintenanceIncident).GetAsync())!;
        Assert.Equal(
            ("DEVICE_OFFLINE", IncidentState.Dispatched, "GREEN"),
            (incident.Type, incident.State, incident.Lead!.Unit)
        );

        using var back = gateway.Client.StreamHeartbeats(gateway.Signed("StreamHeartbeats"));
        await back.RequestStream.WriteAsync(
            new Heartbeat { DeviceId = cam, SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }
        );
        Assert.True(await back.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(offline.MaintenanceIncident, back.ResponseStream.Current.ResolvedIncident);
        await back.RequestStream.CompleteAsync();
        Assert.Equal(
            IncidentState.Closed,
            (await cluster.Grains.Incident(offline.MaintenanceIncident).GetAsync())!.State
        );
        Assert.Equal(
            "",
            (
                await ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }, IngestServer.Admin)
            ).MaintenanceIncident
        );
    }

    [Fact]
    public async Task A_bad_device_registration_is_refused_naming_the_field_and_changes_nothing()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        async Task<RpcException> Refused(DeviceRegistration request) =>
            await Assert.ThrowsAsync<RpcException>(() =>
                ingest.Registry.RegisterDeviceAsync(request, IngestServer.Admin).ResponseAsync
            );

        var cam = $"cam-{Tag()}";
        var badStreet = City.Camera(cam, gateway.Id);
        badStreet.Street = "ATLANTIS";
        Assert.Equal(
            (StatusCode.InvalidArgument, "street:"),
            ((await Refused(badStreet)).StatusCode, (await Refused(badStreet)).Status.Detail[..7])
        );
        var badScenario = City.Camera(cam, gateway.Id);
        badScenario.Scenario = "moon";
        Assert.StartsWith("scenario:", (await Refused(badScenario)).Status.Detail);
        var controlled = City.Camera(cam, gateway.Id);
        controlled.Kind = "camera\u001b[2J";
        Assert.StartsWith("kind:", (await Refused(controlled)).Status.Detail);
        var unknownGateway = await Refused(City.Camera(cam, "gw-nobody"));
        Assert.Equal(StatusCode.FailedPrecondition, unknownGateway.StatusCode);
        Assert.StartsWith("gateway_id:", unknownGateway.Status.Detail);
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = cam }, IngestServer.Admin).ResponseAsync
        );
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_steady_stream_of_repeats_stops_joining_an_incident_once_it_is_dismissed()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var dust = $"dust-{Tag()}";
        await ingest.DeviceAsync(City.DustSensor(dust, gateway.Id));
        var first = await gateway.ReportAsync(City.Alert(dust, "SITE_DUST", City.Site, 0.5));
        await cluster
            .Grains.Incident(first.IncidentNumber)
            .MustAsync(new DismissIncident(Ops.Id(), Ops.Dispatcher, DismissalGround.Duplicate, "seen on the camera"));

        // Repeats come faster than the device re-asks whether the incident is open: the answer it remembers must
        // not be renewed by each repeat, or they join the dismissed incident for as long as they keep coming.
        var dismissedAt = DateTimeOffset.UtcNow;
        var acks = new List<(TimeSpan After, AlertAck Ack)>();
        while (DateTimeOffset.UtcNow - dismissedAt < TimeSpan.FromSeconds(6))
        {
            acks.Add(
                (
                    DateTimeOffset.UtcNow - dismissedAt,
                    await gateway.ReportAsync(City.Alert(dust, "SITE_DUST", City.Site, 0.5))
                )
            );
            await Task.Delay(200);
        }
        var late = acks.Where(a => a.After > TimeSpan.FromSeconds(3)).Select(a => a.Ack).ToList();
        Assert.NotEmpty(late);
        Assert.DoesNotContain(late, a => a.IncidentNumber == first.IncidentNumber);
        Assert.Single(late.Select(a => a.IncidentNumber).Distinct());
    }

    [Fact]
    public async Task Dismissing_an_alerts_incident_as_a_false_alarm_counts_against_its_device()
    {
        var gateway = await ingest.GatewayAsync($"gw-{Tag()}");
        var dust = $"dust-{Tag()}";
        await ingest.DeviceAsync(City.DustSensor(dust, gateway.Id));
        var ack = await gateway.ReportAsync(City.Alert(dust, "SITE_DUST", City.Site, 0.5));
        var dismiss = new DismissIncident(
            Ops.Id(),
            Ops.Dispatcher,
            DismissalGround.FalseAlarm,
            "sprinkler mist, not dust"
        );
        await cluster.Grains.Incident(ack.IncidentNumber).MustAsync(dismiss);
        await cluster.Grains.Incident(ack.IncidentNumber).ExecuteAsync(dismiss);
        var device = await ingest.Registry.GetDeviceAsync(new GetDeviceRequest { DeviceId = dust }, IngestServer.Admin);
        Assert.Equal((1L, 1L, 1.0), (device.IncidentsOpened, device.FalseAlarms, device.FalseAlarmRate));
    }
}

public abstract class BackpressureTests(TestStore redis)
{
    [Fact]
    public async Task A_gateway_that_floods_without_reading_acks_is_held_back_and_another_gateway_goes_on()
    {
        await using var cluster = await TestCluster.StartAsync(redis);
        await using var ingest = await IngestServer.StartAsync(cluster, redis);
        var flood = await ingest.GatewayAsync($"gw-flood-{Guid.NewGuid():N}"[..20]);
        var calm = await ingest.GatewayAsync($"gw-calm-{Guid.NewGuid():N}"[..20]);
        var (hose, cam) = ($"hose-{Guid.NewGuid():N}"[..16], $"cam-{Guid.NewGuid():N}"[..16]);
        await ingest.DeviceAsync(City.Camera(hose, flood.Id));
        await ingest.DeviceAsync(City.Camera(cam, calm.Id, new GeoPoint { Lat = 31.2700, Lon = 121.4130 }));

        // The flooding gateway writes and never reads: its acks fill the HTTP/2 window, the server stops reading
        // its stream once the in-flight window is full, and then the gateway's own writes stop completing.
        using var call = flood.Stream();
        var written = 0;
        var held = false;
        const int limit = 50_000;
        while (written < limit)
        {
            var write = call.RequestStream.WriteAsync(City.Alert(hose, "CREEK_LITTERING", confidence: 0.9));
            if (await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(5))) != write)
            {
                held = true;
                break;
            }
            written++;
        }
        Assert.True(held, $"the flooding gateway wrote all {written} alerts without being held back");

        var acks = await calm.SendOneByOneAsync(
            City.Alert(cam, "CREEK_LITTERING", new GeoPoint { Lat = 31.2700, Lon = 121.4130 }, 0.9),
            City.Alert(cam, "CREEK_FLOATING_WASTE", new GeoPoint { Lat = 31.2700, Lon = 121.4130 }, 0.9)
        );
        Assert.Equal([Disposition.NewIncident, Disposition.Attached], acks.Select(a => a.Disposition));
    }
}

/// <summary>The ingest tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class IngestTestsOnRedisServer(RedisFixture redis) : IngestTests(redis);

/// <summary>The ingest tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class IngestTestsOnRedisCluster(RedisClusterFixture redis) : IngestTests(redis);

/// <summary>The backpressure test on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class BackpressureTestsOnRedisServer(RedisFixture redis) : BackpressureTests(redis);

/// <summary>The backpressure test on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class BackpressureTestsOnRedisCluster(RedisClusterFixture redis) : BackpressureTests(redis);
