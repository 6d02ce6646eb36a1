using Dispatch.Infrastructure;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Dispatch.Domain;
using Dispatch.Ingest;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using StackExchange.Redis;
using V1 = Dispatch.Protos.V1;

// The ingest benchmark: one run measures a bare gRPC streaming echo (the baseline: same client, same messages,
// same streams and window), the floor of one new empty grain per alert, and the full ingest path on a real
// redis-server, for a unique-alert mix (every alert opens an incident), a duplicate-heavy mix (alerts attaching to
// open incidents, a third of them replays; spread over the devices, and again in bursts per device) and pure
// replays. It prints alerts/s, the ratio to the echo, p50/p99 alert-to-ack latency and Redis commands per alert.
//   dotnet run -c Release --project tests/Dispatch.Benchmarks [-- --devices 5000 --gateways 8 --attach-per-device 2]
// Settings of the system itself can be given too, e.g. --Ingest:RememberedAnswers=0.
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var deviceCount = settings.GetValue("devices", 3000);
var gatewayCount = settings.GetValue("gateways", 8);
const int Window = 256;

var data = Directory.CreateTempSubdirectory("dispatch-bench-").FullName;
await using var redisServer = await RedisServer.StartAsync(RedisServer.FindBinary() ?? throw new InvalidOperationException("install redis-server"), data);
await using var redis = await ConnectionMultiplexer.ConnectAsync($"{redisServer.ConnectionString},allowAdmin=true");
var (ingestPort, echoPort) = (RedisServer.FreePort(), RedisServer.FreePort());

var system = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
system.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Logging:LogLevel:Default"] = "Warning", ["Logging:LogLevel:Dispatch.Grains.IncidentGrain"] = "Warning",
    ["Redis:ConnectionString"] = redisServer.ConnectionString, ["Orleans:ServiceId"] = "bench", ["Orleans:ClusterId"] = "bench",
    ["Orleans:SiloPort"] = RedisServer.FreePort().ToString(), ["Orleans:GatewayPort"] = RedisServer.FreePort().ToString(),
    ["Ingest:Port"] = ingestPort.ToString(), ["Ingest:AdminToken"] = "bench", ["Ingest:MaxInFlightPerStream"] = Window.ToString(),
});
system.Configuration.AddCommandLine(args); // any setting of the system, e.g. --Ingest:RememberedAnswers=0
await system.AddDispatchSiloAsync();
system.AddDispatchIngest();
await using var app = system.Build();
app.MapDispatchIngest();
await app.StartAsync();

var echoBuilder = WebApplication.CreateBuilder();
echoBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
echoBuilder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(echoPort, l => l.Protocols = HttpProtocols.Http2));
echoBuilder.Services.AddGrpc();
echoBuilder.Services.AddSingleton(app.Services.GetRequiredService<IGrainFactory>());
await using var echo = echoBuilder.Build();
echo.MapGrpcService<EchoIngest>();
var floorPort = RedisServer.FreePort();
var floorBuilder = WebApplication.CreateBuilder();
floorBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
floorBuilder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(floorPort, l => l.Protocols = HttpProtocols.Http2));
floorBuilder.Services.AddGrpc();
floorBuilder.Services.AddSingleton(app.Services.GetRequiredService<IGrainFactory>());
await using var floor = floorBuilder.Build();
floor.MapGrpcService<GrainFloorIngest>();
await floor.StartAsync();
await echo.StartAsync();

var catalog = app.Services.GetRequiredService<Catalog>();
using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ingestPort}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
using var echoChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{echoPort}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
using var floorChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{floorPort}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });

// A city of devices, each of one scenario at its own place, so that every first alert opens its own incident.
var registry = new DeviceRegistry.DeviceRegistryClient(channel);
var admin = new Metadata { { "authorization", "Bearer bench" } };
var gateways = new List<(string Id, string Secret)>();
for (var g = 0; g < gatewayCount; g++)
    gateways.Add(($"bench-gw-{g}", (await registry.RegisterGatewayAsync(new RegisterGatewayRequest { GatewayId = $"bench-gw-{g}", Name = "bench" }, admin)).Secret));
var scenarios = catalog.Scenarios.OrderBy(s => s.Id).ToList();
var bounds = catalog.District.Bounds;
// The first devices warm the path up (JIT, pools, connections) and are not measured; the rest are.
var warmupCount = Math.Max(500, deviceCount / 5);
var devices = Enumerable.Range(0, warmupCount + deviceCount).Select(i =>
{
    var place = i / scenarios.Count;
    var location = new Dispatch.Domain.GeoPoint(bounds.South + 0.002 + place / 40 * 0.0025, bounds.West + 0.002 + place % 40 * 0.0030);
    var street = catalog.Streets.MinBy(s => Math.Pow(s.Centre.Lat - location.Lat, 2) + Math.Pow(s.Centre.Lon - location.Lon, 2))!;
    var scenario = scenarios[i % scenarios.Count];
    return (Id: $"bench-dev-{i}", Gateway: gateways[i % gatewayCount], Scenario: scenario,
        Type: scenario.Types.First(t => t.Priority != Priority.P1).Code, Location: location, Street: street.Code);
}).ToList();
var gatewayOf = devices.ToDictionary(d => d.Id, d => d.Gateway.Id);
await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (d, _) =>
    await registry.RegisterDeviceAsync(new V1.DeviceRegistration
    {
        DeviceId = d.Id, GatewayId = d.Gateway.Id, Scenario = d.Scenario.Id, Kind = "sensor",
        Location = new V1.GeoPoint { Lat = d.Location.Lat, Lon = d.Location.Lon }, Street = d.Street, OwnerUnit = d.Scenario.LeadUnit,
    }, admin));
Console.WriteLine($"Benchmark: {deviceCount} devices on {gatewayCount} gateways, {Window} alerts in flight per stream, redis-server {redisServer.ConnectionString}");

V1.Alert AlertOf(int device, string? id = null)
{
    var d = devices[device];
    return new V1.Alert
    {
        AlertId = id ?? Guid.NewGuid().ToString("N"), DeviceId = d.Id, Type = d.Type, Severity = 2,
        ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Location = new V1.GeoPoint { Lat = d.Location.Lat, Lon = d.Location.Lon },
    };
}

List<V1.Alert> Unique(int from, int count) => Enumerable.Range(from, count).Select(i => AlertOf(i)).ToList();
// Per device, new alerts that attach to its open incident (two by default) and one replay of its first alert: spread
// (round-robin over the devices) or in bursts (each device's one after another, as a device repeating itself sends them).
var attachPerDevice = settings.GetValue("attach-per-device", 2);
List<V1.Alert> Attached(List<V1.Alert> first, int from) => Enumerable.Range(0, attachPerDevice + 1)
    .SelectMany(round => first.Select((alert, i) => round == attachPerDevice ? alert.Clone() : AlertOf(from + i))).ToList();
List<V1.Alert> Bursts(List<V1.Alert> first, int from) => first
    .SelectMany((alert, i) => Enumerable.Range(0, attachPerDevice + 1).Select(n => n == attachPerDevice ? alert.Clone() : AlertOf(from + i))).ToList();

var warmup = Unique(0, warmupCount);
await Measure("warm-up", echoChannel, warmup, null);
await Measure("warm-up", floorChannel, warmup, null);
await Measure("warm-up", channel, warmup, null);
await Measure("warm-up", channel, Attached(warmup, 0), null);
await Measure("warm-up", channel, Bursts(warmup, 0), null);
var unique = Unique(warmupCount, deviceCount);
var attached = Attached(unique, warmupCount);
// The phases without state repeat their alerts (fresh ids where a fresh grain is the point), so that each lasts long enough to measure.
var replays = Enumerable.Repeat(unique, 5).SelectMany(round => round.Select(a => a.Clone())).ToList();
var echoed = Enumerable.Repeat(unique, 20).SelectMany(round => round).ToList();
var fresh = Enumerable.Repeat(unique, 4).SelectMany(round => round.Select(a => new V1.Alert(a) { AlertId = Guid.NewGuid().ToString("N") })).ToList();

var baseline = await Measure("echo", echoChannel, echoed, null);
var results = new List<Result> { baseline, await Measure("grain-floor", floorChannel, fresh, null) };
var only = settings["only"];
if (only == "unique")
{
    Console.WriteLine($"profile me: pid {Environment.ProcessId}; starting in 10 s");
    await Task.Delay(10_000);
    var many = Unique(warmupCount, deviceCount);
    results.Add(await Measure("unique", channel, many, redis));
    Console.WriteLine($"unique {results[^1].PerSecond:F0}/s");
    return;
}
results.Add(await Measure("unique", channel, unique, redis));
results.Add(await Measure("duplicate-heavy", channel, attached, redis));
results.Add(await Measure("duplicate-burst", channel, Bursts(unique, warmupCount), redis));
results.Add(await Measure("replay", channel, replays, redis));
foreach (var r in results)
    Console.WriteLine($"{r.Phase,-16} {r.Alerts,7} alerts {r.PerSecond,9:F0}/s  {r.PerSecond / baseline.PerSecond,5:P0} of echo  p50 {r.P50Ms,7:F2} ms  p99 {r.P99Ms,8:F2} ms  " +
                      $"redis commands/alert {r.RedisCommandsPerAlert,5:F2}  {string.Join(", ", r.Dispositions.Select(d => $"{d.Key} {d.Value}"))}");
Console.WriteLine(JsonSerializer.Serialize(new
{
    echo_per_s = Math.Round(baseline.PerSecond),
    phases = results.Skip(1).Select(r => new
    {
        phase = r.Phase, alerts_per_s = Math.Round(r.PerSecond), ratio_to_echo = Math.Round(r.PerSecond / baseline.PerSecond, 3),
        p50_ms = Math.Round(r.P50Ms, 2), p99_ms = Math.Round(r.P99Ms, 2), redis_commands_per_alert = Math.Round(r.RedisCommandsPerAlert, 2),
    }),
}));
await app.StopAsync();
Directory.Delete(data, recursive: true);

async Task<Result> Measure(string phase, GrpcChannel target, IReadOnlyList<V1.Alert> alerts, IConnectionMultiplexer? store)
{
    Console.WriteLine($"  {phase}: {alerts.Count} alerts");
    var client = new AlertIngest.AlertIngestClient(target);
    var before = store is null ? 0 : await CommandCount(store);
    var sentAt = new ConcurrentDictionary<string, long>();
    var latencies = new ConcurrentBag<double>();
    var dispositions = new ConcurrentDictionary<V1.Disposition, int>();
    var rejections = new ConcurrentDictionary<string, int>();
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(gateways.Select(async (gateway, g) =>
    {
        var mine = alerts.Where(a => gatewayOf[a.DeviceId] == gateway.Id).ToList();
        using var call = client.StreamAlerts(GatewaySignature.Headers(gateway.Id, gateway.Secret, $"/{AlertIngest.Descriptor.FullName}/StreamAlerts", DateTimeOffset.UtcNow));
        using var window = new SemaphoreSlim(Window);
        var reading = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
            {
                if (sentAt.TryRemove(ack.AlertId + "/" + g, out var at)) latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                dispositions.AddOrUpdate(ack.Disposition, 1, (_, n) => n + 1);
                if (ack.Disposition == V1.Disposition.Rejected) rejections.AddOrUpdate(ack.Reason.Split(' ')[0] + " " + ack.Reason[Math.Min(ack.Reason.Length, 20)..Math.Min(ack.Reason.Length, 80)], 1, (_, n) => n + 1);
                window.Release();
            }
        });
        foreach (var alert in mine)
        {
            await window.WaitAsync();
            sentAt[alert.AlertId + "/" + g] = Stopwatch.GetTimestamp();
            await call.RequestStream.WriteAsync(alert);
        }
        await call.RequestStream.CompleteAsync();
        await reading;
    }));
    watch.Stop();
    foreach (var (reason, count) in rejections) Console.WriteLine($"  {phase}: {count} rejected: {reason}");
    var after = store is null ? 0 : await CommandCount(store);
    var sorted = latencies.Order().ToList();
    return new Result(phase, alerts.Count, alerts.Count / watch.Elapsed.TotalSeconds,
        sorted.Count == 0 ? 0 : sorted[sorted.Count / 2], sorted.Count == 0 ? 0 : sorted[(int)(sorted.Count * 0.99)],
        store is null ? 0 : (double)(after - before) / alerts.Count, dispositions.ToDictionary(d => d.Key, d => d.Value));
}

async Task<long> CommandCount(IConnectionMultiplexer store)
{
    var info = await store.GetServer(redisServer.ConnectionString).InfoAsync("commandstats");
    return info.SelectMany(g => g)
        .Where(kv => kv.Key.StartsWith("cmdstat_") && kv.Key is not ("cmdstat_info" or "cmdstat_ping"))
        .Sum(kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1]));
}

internal sealed record Result(string Phase, int Alerts, double PerSecond, double P50Ms, double P99Ms, double RedisCommandsPerAlert, Dictionary<V1.Disposition, int> Dispositions);

/// <summary>The baseline: the same streaming contract, answering each alert at once with nothing behind it.</summary>
internal sealed class EchoIngest : AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(IAsyncStreamReader<V1.Alert> requestStream, IServerStreamWriter<V1.AlertAck> responseStream, ServerCallContext context)
    {
        await foreach (var alert in requestStream.ReadAllAsync())
            await responseStream.WriteAsync(new V1.AlertAck { AlertId = alert.AlertId, Disposition = V1.Disposition.NewIncident, IncidentNumber = "PT-00000000-000000" });
    }
}

/// <summary>
/// The floor that the fixed design sets: each alert activates one new, empty grain (as each new incident is one
/// grain) and is answered by it, with the same window per stream, and nothing stored.
/// </summary>
internal sealed class GrainFloorIngest(IGrainFactory grains) : AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(IAsyncStreamReader<V1.Alert> requestStream, IServerStreamWriter<V1.AlertAck> responseStream, ServerCallContext context)
    {
        var inFlight = System.Threading.Channels.Channel.CreateBounded<Task<string>>(256);
        var writer = Task.Run(async () =>
        {
            await foreach (var answer in inFlight.Reader.ReadAllAsync())
                await responseStream.WriteAsync(new V1.AlertAck { AlertId = await answer, Disposition = V1.Disposition.NewIncident, IncidentNumber = "PT-00000000-000000" });
        });
        await foreach (var alert in requestStream.ReadAllAsync())
            await inFlight.Writer.WriteAsync(grains.GetGrain<IFloorGrain>(alert.AlertId).AckAsync());
        inFlight.Writer.Complete();
        await writer;
    }
}

public interface IFloorGrain : IGrainWithStringKey
{
    Task<string> AckAsync();
}

public sealed class FloorGrain : Grain, IFloorGrain
{
    public Task<string> AckAsync() => Task.FromResult(this.GetPrimaryKeyString());
}
