using Dispatch.Domain;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Benchmarks;

/// <summary>A gateway of the benchmark and its secret.</summary>
internal sealed record BenchGateway(string Id, string Secret);

/// <summary>A device of the benchmark: its scenario, the type of alert it sends and its place.</summary>
internal sealed record BenchDevice(
    string Id,
    BenchGateway Gateway,
    Scenario Scenario,
    string Type,
    Dispatch.Domain.GeoPoint At,
    string Street
);

/// <summary>
/// A city of devices, each of one scenario at a place of its own, 211 m × 219 m apart so that no two share a grid
/// cell (200 m): every first alert of a device opens its own incident. Devices are made and registered on demand,
/// in order, with the same ids on every system, so that each topology sees the same city.
/// </summary>
internal sealed class BenchCity(Catalog catalog, int gatewayCount)
{
    private const double RowStep = 0.0019,
        ColumnStep = 0.0023;
    private readonly List<Scenario> _scenarios = [.. catalog.Scenarios.OrderBy(s => s.Id)];
    private readonly List<BenchDevice> _devices = [];

    public List<BenchGateway> Gateways { get; } = [];
    public Dictionary<string, string> GatewayOfDevice { get; } = [];
    public IReadOnlyList<BenchDevice> Devices => _devices;

    /// <summary>How many devices the district's bounds hold at one place per scenario and cell.</summary>
    public int Capacity
    {
        get
        {
            var b = catalog.District.Bounds;
            return (int)((b.North - b.South - 0.002) / RowStep) * Columns * _scenarios.Count;
        }
    }

    private int Columns => (int)((catalog.District.Bounds.East - catalog.District.Bounds.West - 0.002) / ColumnStep);

    public async Task RegisterGatewaysAsync(GrpcChannel ingest)
    {
        var registry = new V1.DeviceRegistry.DeviceRegistryClient(ingest);
        Gateways.Clear();
        for (var g = 0; g < gatewayCount; g++)
        {
            var id = $"bench-gw-{g}";
            var registered = await registry.RegisterGatewayAsync(
                new V1.RegisterGatewayRequest { GatewayId = id, Name = "bench" },
                Admin
            );
            Gateways.Add(new BenchGateway(id, registered.Secret));
        }
    }

    /// <summary>
    /// Registers <paramref name="count"/> more devices, after those already made; <paramref name="type"/> chooses each
    /// one's alert type in its scenario (by default the first type that is not P1).
    /// </summary>
    public async Task<IReadOnlyList<BenchDevice>> RegisterAsync(
        GrpcChannel ingest,
        int count,
        Func<Scenario, IncidentType?>? type = null
    )
    {
        var made = new List<BenchDevice>();
        while (made.Count < count)
        {
            var i = _devices.Count;
            if (i >= Capacity)
                throw new InvalidOperationException(
                    $"devices: the district holds at most {Capacity} benchmark devices"
                );
            var place = i / _scenarios.Count;
            var scenario = _scenarios[i % _scenarios.Count];
            var b = catalog.District.Bounds;
            var at = new Dispatch.Domain.GeoPoint(
                b.South + 0.001 + place / Columns * RowStep,
                b.West + 0.001 + place % Columns * ColumnStep
            );
            var street = catalog.Streets.MinBy(s =>
                Math.Pow(s.Centre.Lat - at.Lat, 2) + Math.Pow(s.Centre.Lon - at.Lon, 2)
            )!;
            var chosen = type is null ? scenario.Types.First(t => t.Priority != Priority.P1) : type(scenario);
            // A place of a scenario without such a type stays empty.
            var device = new BenchDevice(
                $"bench-dev-{i}",
                Gateways[i % Gateways.Count],
                scenario,
                chosen?.Code ?? "",
                at,
                street.Code
            );
            _devices.Add(device);
            if (chosen is null)
                continue;
            made.Add(device);
            GatewayOfDevice[device.Id] = device.Gateway.Id;
        }
        var registry = new V1.DeviceRegistry.DeviceRegistryClient(ingest);
        await Parallel.ForEachAsync(
            made,
            new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (d, _) =>
                await registry.RegisterDeviceAsync(
                    new V1.DeviceRegistration
                    {
                        DeviceId = d.Id,
                        GatewayId = d.Gateway.Id,
                        Scenario = d.Scenario.Id,
                        Kind = "sensor",
                        Location = new V1.GeoPoint { Lat = d.At.Lat, Lon = d.At.Lon },
                        Street = d.Street,
                        OwnerUnit = d.Scenario.LeadUnit,
                    },
                    Admin
                )
        );
        return made;
    }

    /// <summary>Forgets the devices made so far, for the next system: it registers the same city again.</summary>
    public void Reset()
    {
        _devices.Clear();
        GatewayOfDevice.Clear();
    }

    public static V1.Alert Alert(BenchDevice device) =>
        new()
        {
            AlertId = Guid.NewGuid().ToString("N"),
            DeviceId = device.Id,
            Type = device.Type,
            Severity = 2,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Location = new V1.GeoPoint { Lat = device.At.Lat, Lon = device.At.Lon },
        };

    /// <summary>The first alert of each device: each opens an incident.</summary>
    public static List<V1.Alert> Firsts(IEnumerable<BenchDevice> devices) => [.. devices.Select(Alert)];

    /// <summary>
    /// Per device, <paramref name="attach"/> new alerts that join its open incident and one replay of its first
    /// alert: spread (round-robin over the devices), or in bursts (a device's alerts one after another, as a device
    /// repeating itself sends them).
    /// </summary>
    public static List<V1.Alert> Duplicates(
        IReadOnlyList<V1.Alert> firsts,
        IReadOnlyList<BenchDevice> devices,
        int attach,
        bool bursts
    )
    {
        V1.Alert Nth(int i, int round) => round == attach ? firsts[i].Clone() : Alert(devices[i]);
        var rounds = Enumerable.Range(0, attach + 1);
        return bursts
            ? [.. firsts.SelectMany((_, i) => rounds.Select(round => Nth(i, round)))]
            : [.. rounds.SelectMany(round => firsts.Select((_, i) => Nth(i, round)))];
    }

    public static Metadata Admin => new() { { "authorization", $"Bearer {BenchSystem.AdminToken}" } };
}
