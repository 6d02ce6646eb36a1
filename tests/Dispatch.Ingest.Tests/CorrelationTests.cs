using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Protos.V1;
using Alert = Dispatch.Protos.V1.Alert;
using DeviceRegistration = Dispatch.Protos.V1.DeviceRegistration;
using Disposition = Dispatch.Protos.V1.Disposition;
using GeoPoint = Dispatch.Protos.V1.GeoPoint;

namespace Dispatch.Ingest.Tests;

/// <summary>
/// Correlation that respects the catalog, over real gRPC: an urgent alert never disappears into a lesser incident of
/// its cell, compatible types still join, and a gateway's own dedup key is shared by all of its devices.
/// </summary>
public abstract class CorrelationTests(TestStore redis) : IAsyncLifetime
{
    private TestCluster cluster = null!;
    private IngestServer ingest = null!;
    private Gateway gateway = null!;

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync(redis);
        ingest = await IngestServer.StartAsync(cluster, redis);
        gateway = await ingest.GatewayAsync($"gw-{Tag()}");
    }

    public async Task DisposeAsync()
    {
        await ingest.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// Somewhere of its own on the creek bank, so that no other test's incident shares the grid cell.
    /// </summary>
    private static GeoPoint Somewhere() =>
        new()
        {
            Lat = 31.2300 + Random.Shared.Next(0, 300) * 0.0002,
            Lon = 121.4000 + Random.Shared.Next(0, 100) * 0.0003,
        };

    private async Task<string> DeviceAsync(string scenario, GeoPoint at, string street = "CYXC")
    {
        var id = $"{scenario}-{Tag()}";
        await ingest.DeviceAsync(
            new DeviceRegistration
            {
                DeviceId = id,
                GatewayId = gateway.Id,
                Scenario = scenario,
                Kind = "camera",
                Location = at,
                Street = street,
                OwnerUnit = "OPS",
            }
        );
        return id;
    }

    [Fact]
    public async Task A_confirmed_fire_after_a_hydrant_alert_in_its_cell_reclassifies_to_P1_and_dispatches_to_a_person()
    {
        var at = Somewhere();
        var hydrant = await DeviceAsync("fire", at);
        var smoke = await DeviceAsync("fire", at);

        var acks = await gateway.SendOneByOneAsync(
            City.Alert(hydrant, "FIRE_HYDRANT_PRESSURE", at),
            City.Alert(smoke, "FIRE_CONFIRMED", at, 0.97)
        );

        Assert.Equal([Disposition.NewIncident, Disposition.Attached], acks.Select(a => a.Disposition));
        Assert.Equal(acks[0].IncidentNumber, acks[1].IncidentNumber);
        var incident = (await cluster.Grains.Incident(acks[0].IncidentNumber).GetAsync())!;
        Assert.Equal(
            ("FIRE_CONFIRMED", Priority.P1, IncidentState.Dispatched),
            (incident.Type, incident.Priority, incident.State)
        );
        Assert.Equal("FIRE", incident.Lead!.Unit);
        Assert.All(
            incident.Assignments,
            a => Assert.False(string.IsNullOrEmpty(a.Worker), $"the assignment of {a.Unit} names no one")
        );
        var timeline = await cluster.Grains.Incident(incident.Number).GetTimelineAsync();
        var reclassified = Assert.Single(timeline.OfType<IncidentReclassified>());
        Assert.Equal(("FIRE_HYDRANT_PRESSURE", "FIRE_CONFIRMED"), (reclassified.FromType, reclassified.ToType));
    }

    [Fact]
    public async Task A_person_in_the_water_reclassifies_a_gathering_in_its_cell_but_opens_its_own_after_littering()
    {
        var bank = Somewhere();
        var (watch, water) = (await DeviceAsync("creek", bank), await DeviceAsync("creek", bank));
        var acks = await gateway.SendOneByOneAsync(
            City.Alert(watch, "CREEK_GATHERING", bank, 0.95),
            City.Alert(water, "CREEK_PERSON_IN_WATER", bank, 0.98)
        );
        Assert.Equal([Disposition.NewIncident, Disposition.Attached], acks.Select(a => a.Disposition));
        var joined = (await cluster.Grains.Incident(acks[0].IncidentNumber).GetAsync())!;
        Assert.Equal(
            ("CREEK_PERSON_IN_WATER", Priority.P1, IncidentState.Dispatched),
            (joined.Type, joined.Priority, joined.State)
        );

        var other = Somewhere();
        var (litter, swimmer) = (await DeviceAsync("creek", other), await DeviceAsync("creek", other));
        var apart = await gateway.SendOneByOneAsync(
            City.Alert(litter, "CREEK_LITTERING", other, 0.95),
            City.Alert(swimmer, "CREEK_PERSON_IN_WATER", other, 0.98)
        );
        Assert.Equal([Disposition.NewIncident, Disposition.NewIncident], apart.Select(a => a.Disposition));
        var littering = (await cluster.Grains.Incident(apart[0].IncidentNumber).GetAsync())!;
        var rescue = (await cluster.Grains.Incident(apart[1].IncidentNumber).GetAsync())!;
        Assert.Equal(("CREEK_LITTERING", Priority.P3), (littering.Type, littering.Priority));
        Assert.Equal(("CREEK_PERSON_IN_WATER", IncidentState.Dispatched), (rescue.Type, rescue.State));
        Assert.All(rescue.Assignments, a => Assert.False(string.IsNullOrEmpty(a.Worker)));
    }

    [Fact]
    public async Task Compatible_types_of_a_cell_still_join_one_incident_which_keeps_its_type()
    {
        var bank = Somewhere();
        var (first, second) = (await DeviceAsync("creek", bank), await DeviceAsync("creek", bank));
        var acks = await gateway.SendOneByOneAsync(
            City.Alert(first, "CREEK_LITTERING", bank, 0.95),
            City.Alert(second, "CREEK_FLOATING_WASTE", bank, 0.95)
        );
        Assert.Equal([Disposition.NewIncident, Disposition.Attached], acks.Select(a => a.Disposition));
        Assert.Equal(acks[0].IncidentNumber, acks[1].IncidentNumber);
        Assert.Equal("CREEK_LITTERING", (await cluster.Grains.Incident(acks[0].IncidentNumber).GetAsync())!.Type);
    }

    [Fact]
    public async Task A_dedup_key_set_by_the_gateway_is_shared_by_all_of_its_devices()
    {
        // Two devices far apart (different cells), so that only the shared key can bring them together.
        var (north, south) = (
            new GeoPoint { Lat = 31.2700, Lon = 121.4130 },
            new GeoPoint { Lat = 31.2320, Lon = 121.4420 }
        );
        var (a, b) = (await DeviceAsync("creek", north), await DeviceAsync("creek", south));
        var key = $"bank-{Tag()}";
        Alert Keyed(string device, GeoPoint at)
        {
            var alert = City.Alert(device, "CREEK_LITTERING", at, 0.95);
            alert.DedupKey = key;
            return alert;
        }

        var acks = await gateway.SendOneByOneAsync(Keyed(a, north), Keyed(b, south), Keyed(a, north));

        Assert.Equal(
            [Disposition.NewIncident, Disposition.Attached, Disposition.Attached],
            acks.Select(x => x.Disposition)
        );
        Assert.Single(acks.Select(x => x.IncidentNumber).Distinct());
        // Without the key, the second device's alert opens its own incident (another cell).
        var plain = await gateway.SendOneByOneAsync(City.Alert(b, "CREEK_LITTERING", south, 0.95));
        Assert.NotEqual(acks[0].IncidentNumber, plain[0].IncidentNumber);
    }
}

/// <summary>The correlation tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class CorrelationTestsOnRedisServer(RedisFixture redis) : CorrelationTests(redis);

/// <summary>The correlation tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class CorrelationTestsOnRedisCluster(RedisClusterFixture redis) : CorrelationTests(redis);
