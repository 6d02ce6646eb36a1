namespace Dispatch.Simulator;

/// <summary>
/// What city to simulate and how hard to push (command line: <c>--Profile storm --Duration 00:00:30</c>).
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>The ingest service's address.</summary>
    public string Target { get; set; } = "http://127.0.0.1:5081";

    /// <summary>The administrators' bearer token, to register gateways and devices.</summary>
    public string AdminToken { get; set; } = "";

    /// <summary><c>day</c> (a few alerts a second) or <c>storm</c> (as fast as the rate allows).</summary>
    public string Profile { get; set; } = "day";

    /// <summary>Alerts per second over the whole city; 0 takes the profile's (day 3/s, storm 2000/s).</summary>
    public double Rate { get; set; }

    /// <summary>How long to run; zero runs until stopped.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>Devices per street (each street has one gateway).</summary>
    public int DevicesPerStreet { get; set; } = 20;

    /// <summary>Share of alerts sent a second time with the same id, as gateways do after a timeout.</summary>
    public double ReplayShare { get; set; } = 0.05;

    /// <summary>Share of devices that are broken: they never beat, so maintenance incidents open for them.</summary>
    public double BrokenShare { get; set; } = 0.02;

    /// <summary>Seconds between heartbeats of working devices.</summary>
    public double HeartbeatSeconds { get; set; } = 30;

    /// <summary>A prefix for gateway and device ids, so that runs can share one system.</summary>
    public string Prefix { get; set; } = "sim";

    /// <summary>Seconds between progress lines.</summary>
    public double ProgressSeconds { get; set; } = 1;

    /// <summary>Seed of the random choices, for repeatable runs.</summary>
    public int Seed { get; set; } = 20261128;

    public double EffectiveRate =>
        Rate > 0 ? Rate
        : Profile == "storm" ? 2000
        : 3;
}
