using System.Globalization;
using System.Text.Json;
using Dispatch.Benchmarks;
using Dispatch.Domain;
using V1 = Dispatch.Protos.V1;

// The ingest benchmark. For each topology (one redis-server; a Redis Cluster of three primaries with a replica each,
// acks waiting for a replica) it starts the system in this process and measures, within the same run:
//   echo             a bare gRPC streaming echo of the same contract: the baseline every ratio is taken to;
//   grain-floor      one new, empty grain per alert, answered at once: the floor of "one grain per incident";
//   unique           every alert opens an incident (closed loop: 256 in flight per gateway stream);
//   duplicate-heavy  per device, alerts that join its open incident and a replay of its first (spread over devices);
//   duplicate-burst  the same, each device's alerts one after another;
//   replay           alerts already answered, sent again;
//   paced-unique / paced-duplicate  open loop at half of the maximum just measured, latency from the schedule.
// It prints alerts/s, the ratio to the echo, p50/p99/p99.9 alert-to-ack latency, Redis commands per alert (summed
// over the primaries, those in scripts included) and the reminders Orleans holds with every incident still open.
// Then serialization before/after, and people told under a storm (dispatch → webhook and in-app notice).
//   dotnet run -c Release --project tests/Dispatch.Benchmarks [-- --devices 3000 --gateways 8 --paced-seconds 5
//     --topologies single,cluster --storm true --storm-rate 500 --serialization true]
// Settings of the system itself can be given too, e.g. --Ingest:RememberedAnswers=0.
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var deviceCount = settings.GetValue("devices", 3000);
var gatewayCount = settings.GetValue("gateways", 8);
var attach = settings.GetValue("attach-per-device", 2);
var paced = TimeSpan.FromSeconds(settings.GetValue("paced-seconds", 5.0));
var topologies = (settings["topologies"] ?? "single,cluster").Split(
    ',',
    StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
);
var warmupCount = Math.Max(500, deviceCount / 5);

var reports = new List<Report>();
IReadOnlyList<SerializationBench.Figure>? serialization = null;
NotificationStorm.Figures? storm = null;
BenchCity? city = null;
foreach (var topology in topologies)
{
    await using var store = await BenchStore.StartAsync(topology);
    await using var sut = await BenchSystem.StartAsync(store, settings);
    city ??= new BenchCity(sut.Services.GetRequiredService<Catalog>(), gatewayCount);
    if (warmupCount + deviceCount * 4 > city.Capacity)
        throw new ArgumentException(
            $"devices: at most {(city.Capacity - warmupCount) / 4} (the district's bounds, 200 m cells)"
        );
    city.Reset();
    await city.RegisterGatewaysAsync(sut.Ingest);
    var load = new Load(city.Gateways, city.GatewayOfDevice);
    Console.WriteLine(
        $"{store.Name}: {deviceCount} devices on {gatewayCount} gateways, {Load.Window} alerts in flight per stream"
    );

    // The first devices warm the path up (JIT, pools, connections) and are not measured; the rest are.
    var warm = await city.RegisterAsync(sut.Ingest, warmupCount);
    var measured = await city.RegisterAsync(sut.Ingest, deviceCount);
    var warmFirsts = BenchCity.Firsts(warm);
    await load.ClosedAsync("warm-up", sut.Echo, warmFirsts, null);
    await load.ClosedAsync("warm-up", sut.Floor, warmFirsts, null);
    await load.ClosedAsync("warm-up", sut.Ingest, warmFirsts, null);
    await load.ClosedAsync("warm-up", sut.Ingest, BenchCity.Duplicates(warmFirsts, warm, attach, bursts: false), null);
    await load.ClosedAsync("warm-up", sut.Ingest, BenchCity.Duplicates(warmFirsts, warm, attach, bursts: true), null);

    var firsts = BenchCity.Firsts(measured);
    // The phases without state repeat their alerts (fresh ids where a fresh grain is the point), so that each lasts
    // long enough to measure.
    var echo = await load.ClosedAsync("echo", sut.Echo, [.. Enumerable.Repeat(firsts, 20).SelectMany(r => r)], null);
    var results = new List<Result>
    {
        echo,
        await load.ClosedAsync(
            "grain-floor",
            sut.Floor,
            [
                .. Enumerable
                    .Repeat(firsts, 4)
                    .SelectMany(r => r.Select(a => new V1.Alert(a) { AlertId = Guid.NewGuid().ToString("N") })),
            ],
            null
        ),
        await load.ClosedAsync("unique", sut.Ingest, firsts, store.CommandsAsync),
        await load.ClosedAsync(
            "duplicate-heavy",
            sut.Ingest,
            BenchCity.Duplicates(firsts, measured, attach, bursts: false),
            store.CommandsAsync
        ),
        await load.ClosedAsync(
            "duplicate-burst",
            sut.Ingest,
            BenchCity.Duplicates(firsts, measured, attach, bursts: true),
            store.CommandsAsync
        ),
        await load.ClosedAsync(
            "replay",
            sut.Ingest,
            [.. Enumerable.Repeat(firsts, 5).SelectMany(r => r.Select(a => a.Clone()))],
            store.CommandsAsync
        ),
    };
    // Open loop at half of the maximum: new incidents from devices that have not spoken yet; duplicates of the
    // measured devices' open incidents (every third a replay). The reminders before and after show that incidents
    // add none: what there are belong to the devices' heartbeat watches and the partitions' deadline sweepers.
    var uniqueRate = results.Single(r => r.Phase == "unique").PerSecond / 2;
    var fresh = await city.RegisterAsync(sut.Ingest, (int)(uniqueRate * paced.TotalSeconds));
    var reminders = await store.RemindersAsync(sut.ServiceId);
    results.Add(
        await load.PacedAsync("paced-unique", sut.Ingest, BenchCity.Firsts(fresh), uniqueRate, store.CommandsAsync)
    );
    var duplicateRate = results.Single(r => r.Phase == "duplicate-heavy").PerSecond / 2;
    var duplicates = Enumerable
        .Range(0, (int)(duplicateRate * paced.TotalSeconds))
        .Select(k =>
            k / measured.Count % 3 == 2
                ? firsts[k % measured.Count].Clone()
                : BenchCity.Alert(measured[k % measured.Count])
        )
        .ToList();
    results.Add(await load.PacedAsync("paced-duplicate", sut.Ingest, duplicates, duplicateRate, store.CommandsAsync));

    var open = results.Where(r => r.Phase is not ("echo" or "grain-floor")).Sum(r => r.Opened.Count) + warmFirsts.Count;
    reports.Add(
        new Report(store.Name, results, reminders, await store.RemindersAsync(sut.ServiceId), open, city.Devices.Count)
    );
    if (settings.GetValue("serialization", true))
        serialization ??= SerializationBench.Run(sut.Services);
}

if (settings.GetValue("storm", true) && city is not null && reports.Count > 0)
{
    // A storm of a quarter of the maximum rate of new incidents, one in five opening a P1 incident.
    var rate = settings.GetValue("storm-rate", reports[0].Results.Single(r => r.Phase == "unique").PerSecond / 4);
    storm = await NotificationStorm.RunAsync(settings, city, rate, paced);
}

Console.WriteLine();
string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
Console.WriteLine(
    $"{"phase",-16} {"topology",-27} {"alerts",7} {"alerts/s",9} {"of echo",7} "
        + $"{"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"cmds/alert",10}"
);
foreach (var phase in reports[0].Results.Select(r => r.Phase))
    foreach (var (topology, results) in reports.Select(t => (t.Topology, t.Results)))
    {
        var r = results.Single(x => x.Phase == phase);
        var echo = results[0];
        Console.WriteLine(
            $"{phase,-16} {topology,-27} {r.Alerts,7} {F(r.PerSecond, "N0"),9} "
                + $"{F(r.RatioTo(echo), "0.000"),7} {F(r.P50Ms, "0.00"),8} "
                + $"{F(r.P99Ms, "0.00"),8} {F(r.P999Ms, "0.00"),9} {F(r.CommandsPerAlert, "0.00"),10}  "
                + string.Join(", ", r.Dispositions.OrderBy(d => d.Key).Select(d => $"{d.Key} {d.Value}"))
        );
    }
foreach (var t in reports)
    Console.WriteLine(
        $"reminders on {t.Topology}: {t.RemindersBefore} before the paced phases, {t.RemindersAfter} after them, "
            + $"with {t.Open} incidents open ({t.Devices} devices, each with its heartbeat watch)"
    );
if (serialization is not null)
{
    Console.WriteLine();
    Console.WriteLine(
        $"{"serialization",-16} {"way",-30} {"ns/round trip",14} {"B allocated",12} {"payload B",10}"
    );
    foreach (var s in serialization)
        Console.WriteLine(
            $"{s.Type,-16} {s.Way,-30} {F(s.NanosecondsPerRoundTrip, "N0"),14} "
                + $"{F(s.BytesAllocated, "N0"),12} {s.PayloadBytes,10}"
        );
}
if (storm is not null)
{
    Console.WriteLine();
    Console.WriteLine(
        $"storm with people: {storm.Alerts.Alerts} alerts "
            + $"paced at {F(storm.Alerts.Alerts / paced.TotalSeconds, "N0")}/s, "
            + $"{storm.Alerts.Opened.Count} P1 incidents dispatched by machine; "
            + $"ack p50 {F(storm.Alerts.P50Ms, "0.00")} ms, "
            + $"p99 {F(storm.Alerts.P99Ms, "0.00")} ms; {storm.WebhookRequests} webhook requests; "
            + $"all delivered {F(storm.Drained.TotalSeconds, "0.0")} s after the storm"
    );
    foreach (var c in storm.Channels)
        Console.WriteLine(
            $"  dispatch → {c.Channel,-8} {c.Delivered,6} delivered {c.Undelivered,4} not  "
                + $"p50 {F(c.P50.TotalMilliseconds, "0")} ms  "
                + $"p99 {F(c.P99.TotalMilliseconds, "0")} ms  max {F(c.Max.TotalMilliseconds, "0")} ms"
        );
}
Console.WriteLine(
    JsonSerializer.Serialize(
        new
        {
            topologies = reports.Select(t => new
            {
                topology = t.Topology,
                reminders_before = t.RemindersBefore,
                reminders_after = t.RemindersAfter,
                open_incidents = t.Open,
                phases = t.Results.Select(r => new
                {
                    phase = r.Phase,
                    alerts_per_s = Math.Round(r.PerSecond),
                    ratio_to_echo = Math.Round(r.RatioTo(t.Results[0]), 3),
                    p50_ms = Math.Round(r.P50Ms, 2),
                    p99_ms = Math.Round(r.P99Ms, 2),
                    p999_ms = Math.Round(r.P999Ms, 2),
                    redis_commands_per_alert = Math.Round(r.CommandsPerAlert, 2),
                }),
            }),
            serialization = serialization?.Select(s => new
            {
                type = s.Type,
                way = s.Way,
                ns = Math.Round(s.NanosecondsPerRoundTrip),
                allocated = Math.Round(s.BytesAllocated),
                payload = s.PayloadBytes,
            }),
            notifications = storm?.Channels.Select(c => new
            {
                channel = c.Channel.ToString(),
                delivered = c.Delivered,
                p50_ms = Math.Round(c.P50.TotalMilliseconds),
                p99_ms = Math.Round(c.P99.TotalMilliseconds),
            }),
        }
    )
);

/// <summary>What one topology measured.</summary>
internal sealed record Report(
    string Topology,
    List<Result> Results,
    long RemindersBefore,
    long RemindersAfter,
    int Open,
    int Devices
);
