using Dispatch.Domain;

namespace Dispatch.Simulator;

/// <summary>A simulated device: where it stands, what it watches, which types of alert it raises.</summary>
public sealed record SimulatedDevice(
    string Id,
    string Gateway,
    Scenario Scenario,
    string Kind,
    GeoPoint Location,
    string Street,
    bool Broken
)
{
    public bool IsCamera => Kind == "ai-camera";
}

/// <summary>The simulated city: one gateway per street, devices of every scenario spread over the streets.</summary>
public sealed class City
{
    private static readonly Dictionary<string, string[]> Kinds = new()
    {
        ["site"] = ["dust-sensor", "noise-sensor", "ai-camera"],
        ["creek"] = ["ai-camera"],
        ["rental"] = ["data-model"],
        ["fire"] = ["smoke-detector", "hydrant-gauge", "ai-camera"],
        ["building"] = ["access-control", "elevator-monitor", "ai-camera"],
        ["shop"] = ["ai-camera", "bin-sensor"],
        ["underground"] = ["water-sensor", "structure-sensor"],
        ["relief"] = ["data-model"],
        ["hazard"] = ["enterprise-feed", "weather-feed"],
        ["civilization"] = ["ai-camera"],
    };

    public City(Catalog catalog, SimulatorOptions options)
    {
        var random = new Random(options.Seed);
        Catalog = catalog;
        var scenarios = catalog.Scenarios.OrderBy(s => s.Id).ToList();
        Gateways =
        [
            .. catalog.Streets.OrderBy(s => s.Code).Select(s => $"{options.Prefix}-gw-{s.Code.ToLowerInvariant()}"),
        ];
        Devices =
        [
            .. catalog
                .Streets.OrderBy(s => s.Code)
                .SelectMany(street =>
                    Enumerable
                        .Range(0, options.DevicesPerStreet)
                        .Select(i =>
                        {
                            var scenario = scenarios[i % scenarios.Count];
                            var kinds = Kinds.GetValueOrDefault(scenario.Id, ["sensor"]);
                            var location = new GeoPoint(
                                street.Centre.Lat + (random.NextDouble() - 0.5) * 0.01,
                                street.Centre.Lon + (random.NextDouble() - 0.5) * 0.01
                            );
                            return new SimulatedDevice(
                                $"{options.Prefix}-{street.Code.ToLowerInvariant()}-{scenario.Id}-{i:D3}",
                                $"{options.Prefix}-gw-{street.Code.ToLowerInvariant()}",
                                scenario,
                                kinds[i / scenarios.Count % kinds.Length],
                                location,
                                street.Code,
                                random.NextDouble() < options.BrokenShare
                            );
                        })
                ),
        ];
    }

    public Catalog Catalog { get; }
    public IReadOnlyList<string> Gateways { get; }
    public IReadOnlyList<SimulatedDevice> Devices { get; }

    /// <summary>
    /// A realistic mix: most alerts are everyday nuisances (P3/P4), some urgent (P2), life-safety (P1) rare;
    /// cameras attach a detection whose confidence is now and then doubtful (the false alarms of a city).
    /// </summary>
    public IncidentType PickType(SimulatedDevice device, Random random)
    {
        var types = device.Scenario.Types;
        var weights = types
            .Select(t =>
                t.Priority switch
                {
                    Priority.P1 => 0.02,
                    Priority.P2 => 0.2,
                    Priority.P3 => 1.0,
                    _ => 0.5,
                }
            )
            .ToArray();
        var pick = random.NextDouble() * weights.Sum();
        for (var i = 0; i < types.Count; i++)
            if ((pick -= weights[i]) <= 0)
                return types[i];
        return types[^1];
    }
}
