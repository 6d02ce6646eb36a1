using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Api;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.Blobs;
using Dispatch.Silo;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;
using V1 = Dispatch.Protos.V1;

// The soak benchmark: a storm of camera alerts sustained past a shortened hot window, while a dispatcher's desk ends
// every incident (most dismissed as false alarms, every tenth handled and closed with a photo). The archiver copies the
// streams to the blob store and the retention trims them and moves ended incidents out of Redis, so Redis memory
// levels off once the window is reached. It samples Redis memory as it goes, then prints how flat it stayed and the
// bytes per alert and per incident in Redis and in the archive.
//   dotnet run -c Release --project tests/Dispatch.Soak [-- --seconds 180 --rate 300 --devices 16 --window 30]
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var seconds = settings.GetValue("seconds", 180);
var rate = settings.GetValue("rate", 300);
var deviceCount = settings.GetValue("devices", 16);

// Cameras take turns in groups, one second each, so each rests a few seconds between bursts: long enough to ask again
// whether its incident is still open, so that once the desk has ended it, the next burst opens a new one.
const int Groups = 4;
var window = TimeSpan.FromSeconds(settings.GetValue("window", 30));
var sampleEvery = TimeSpan.FromSeconds(5);
var days = window.TotalDays.ToString("R", CultureInfo.InvariantCulture);

var data = Directory.CreateTempSubdirectory("dispatch-soak-").FullName;
await using var redisServer = await RedisServer.StartAsync(
    RedisServer.FindBinary() ?? throw new InvalidOperationException("install redis-server"),
    Path.Combine(data, "redis")
);
await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redisServer.ConnectionString},allowAdmin=true");
var (grpcPort, httpPort) = (RedisServer.FreePort(), RedisServer.FreePort());

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(
    new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Dispatch.Infrastructure.Archive.StoreMemory"] = "Warning",
        ["Redis:ConnectionString"] = redisServer.ConnectionString,
        ["Orleans:ServiceId"] = "soak",
        ["Orleans:ClusterId"] = "soak",
        ["Orleans:SiloPort"] = RedisServer.FreePort().ToString(),
        ["Orleans:GatewayPort"] = RedisServer.FreePort().ToString(),
        ["Api:GrpcPort"] = grpcPort.ToString(),
        ["Api:HttpPort"] = httpPort.ToString(),
        ["Api:MaxEvidenceBytes"] = "1048576",
        ["Identity:DemoUsers"] = "true",
        ["Identity:SigningKey"] = "a-soak-signing-key-of-at-least-32-bytes!",
        ["Blobs:Directory"] = Path.Combine(data, "archive"),
        ["Archive:ClosedIncidentDays"] = days,
        ["Archive:AlertRecordDays"] = days,
        ["Archive:ReadLogDays"] = days,
        ["Archive:FlushInterval"] = "00:00:02",
        ["Archive:RetentionInterval"] = "00:00:05",
    }
);
builder.Configuration.AddCommandLine(args);
await builder.AddDispatchSiloAsync();
builder.AddDispatchApi();
await using var app = builder.Build();
app.MapDispatchApi();
await app.StartAsync();

var grains = app.Services.GetRequiredService<IGrainFactory>();
var catalog = app.Services.GetRequiredService<Catalog>();
var blobs = app.Services.GetRequiredService<IBlobStore>();
var archiver = app.Services.GetRequiredService<StreamArchiver>();

// Cameras watching litter bins, each in a cell of its own; a detection this unsure waits for the dispatcher.
const string Type = "SHOP_BIN_OVERFLOW";
await app.Services.GetRequiredService<GatewayRegistry>().RegisterAsync("soak-gw", "soak cameras");
var bounds = catalog.District.Bounds;
var devices = new List<(string Id, GeoPoint At)>();
for (var i = 0; i < deviceCount; i++)
{
    var at = new GeoPoint(bounds.South + 0.004 + i / 20 * 0.004, bounds.West + 0.004 + i % 20 * 0.004);
    var street = catalog.Streets.MinBy(s => Math.Pow(s.Centre.Lat - at.Lat, 2) + Math.Pow(s.Centre.Lon - at.Lon, 2))!;
    await grains
        .GetGrain<IDeviceGrain>($"soak-cam-{i}")
        .RegisterAsync(new DeviceRegistration($"soak-cam-{i}", "soak-gw", "shop", "camera", at, street.Code, "GREEN"));
    devices.Add(($"soak-cam-{i}", at));
}

using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
var identity = new V1.Identity.IdentityClient(channel);
async Task<Metadata> SignIn(string user) =>
    new()
    {
        {
            "authorization",
            "Bearer "
                + $"{(await identity.SignInAsync(new V1.SignInRequest { UserId = user, Password = "dispatch" })).Token}"
        },
    };
var (asDispatcher, asWorker, asReviewer) = (
    await SignIn("dispatcher"),
    await SignIn("green.w1"),
    await SignIn("reviewer")
);
var cases = new V1.Cases.CasesClient(channel);
var field = new V1.Field.FieldClient(channel);

Console.WriteLine(
    $"Soak: {seconds} s of {rate} alerts/s from {deviceCount} cameras, hot windows {window.TotalSeconds} s, "
        + $"redis-server {redisServer.ConnectionString}, archive in {blobs.Description}"
);
var baseline = await UsedMemory();
var clock = Stopwatch.StartNew();
var alerts = 0L;
var ended = 0L;
var closedWithPhoto = 0L;
var deskRefused = 0L;
var numbers = new HashSet<string>();
var samples =
    new List<(double At, long Used, long Alerts, long Incidents, long Ended, long StreamEntries, long Keys)>();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));

var storm = Task.Run(async () =>
{
    var perTick = Math.Max(1, rate / 20);
    var next = 0;
    while (!stop.IsCancellationRequested)
    {
        var tick = Task.Delay(50);
        var group = (int)clock.Elapsed.TotalSeconds % Groups;
        var active = devices.Where((_, i) => i % Groups == group).ToList();
        await Task.WhenAll(
            Enumerable
                .Range(0, perTick)
                .Select(async _ =>
                {
                    var (id, at) = active[Interlocked.Increment(ref next) % active.Count];
                    var ack = await grains
                        .GetGrain<IDeviceGrain>(id)
                        .ReceiveAsync(
                            new Alert(
                                Guid.NewGuid().ToString("N"),
                                id,
                                "soak-gw",
                                Type,
                                DateTimeOffset.UtcNow,
                                at,
                                2,
                                new Detection("bin-watch", "1", 0.5, [new Box(0.1, 0.1, 0.2, 0.2, "bin")])
                            )
                        );
                    Interlocked.Increment(ref alerts);
                    if (ack.IncidentNumber is { } number)
                        lock (numbers)
                            numbers.Add(number);
                })
        );
        await tick;
    }
});

var desk = Task.Run(async () =>
{
    var photo = ByteString.CopyFrom([
        0xFF,
        0xD8,
        0xFF,
        0xE0,
        .. Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7)),
    ]);
    var seen = new HashSet<string>();
    while (!stop.IsCancellationRequested)
    {
        var page = await cases.ListIncidentsAsync(
            new V1.ListIncidentsRequest
            {
                PageSize = 200,
                Filter = new V1.IncidentFilter { States = { "Reported" } },
            },
            asDispatcher
        );
        // The list comes from the read model, which may not show yet what the desk did a moment ago.
        var fresh = page.Items.Where(i => seen.Add(i.Number)).ToList();
        foreach (var item in fresh)
        {
            if (stop.IsCancellationRequested)
                break;
            try
            {
                await EndAsync(item.Number);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
            {
                Interlocked.Increment(ref deskRefused);
            }
        }
        if (fresh.Count == 0)
            await Task.Delay(100);
    }

    // Most are false alarms; every tenth is handled and closed with a photo.
    async Task EndAsync(string number)
    {
        if (Interlocked.Increment(ref ended) % 10 != 0)
        {
            await cases.DismissIncidentAsync(
                new V1.DismissIncidentRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Ground = "FalseAlarm",
                    Reason = "glare",
                },
                asDispatcher
            );
            return;
        }
        await cases.FileIncidentAsync(
            new V1.IncidentCommandRequest { Number = number, CommandId = Id() },
            asDispatcher
        );
        await cases.DispatchIncidentAsync(
            new V1.DispatchIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                LeadUnit = "GREEN",
                Worker = "green.w1",
            },
            asDispatcher
        );
        await field.AcceptAsync(new V1.AcceptRequest { Number = number, CommandId = Id() }, asWorker);
        await field.ArriveAsync(new V1.ArriveRequest { Number = number, CommandId = Id() }, asWorker);
        var evidence = await field.UploadEvidenceAsync(
            new V1.UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/jpeg",
                Content = photo,
                FileName = "bin.jpg",
            },
            asWorker
        );
        await field.SubmitResultAsync(
            new V1.SubmitResultRequest
            {
                Number = number,
                CommandId = Id(),
                Note = "cleared",
                Evidence = { evidence.Id },
            },
            asWorker
        );
        await cases.ReviewAsync(
            new V1.ReviewRequest
            {
                Number = number,
                CommandId = Id(),
                Approve = true,
                Rating = 4,
            },
            asReviewer
        );
        Interlocked.Increment(ref closedWithPhoto);
    }
});

while (!stop.IsCancellationRequested)
{
    await Task.Delay(sampleEvery).ContinueWith(_ => { }, TaskScheduler.Default);
    var sample = (
        clock.Elapsed.TotalSeconds,
        await UsedMemory(),
        Interlocked.Read(ref alerts),
        Count(),
        Interlocked.Read(ref ended),
        await StreamEntries(),
        await Keys()
    );
    samples.Add(sample);
    Console.WriteLine(
        $"  {sample.Item1,5:F0} s  redis {Mb(sample.Item2),8}  alerts {sample.Item3,7}  "
            + $"incidents {sample.Item4,6} ({sample.Item5} ended)  "
            + $"stream entries {sample.Item6,7}  keys {sample.Item7,6}"
    );
}
await Task.WhenAll(storm, desk).ContinueWith(_ => { }, TaskScheduler.Default);
if ((storm.Exception ?? desk.Exception) is { } failed)
    Console.WriteLine($"the storm or the desk failed: {failed.GetBaseException().Message}");

// Where the bytes are: the hot part in Redis, by kind of key, and the archive by kind of object.
for (var i = 0; i < 300 && !await archiver.IsCaughtUpAsync(); i++)
    await Task.Delay(100);
var redisByKind = await RedisByKind();
var archiveByKind = (await blobs.ListAsync(""))
    .GroupBy(b => b.Name.Split('/')[0])
    .ToDictionary(g => g.Key, g => (Bytes: g.Sum(b => b.Size), Objects: g.Count()));
var archive = app.Services.GetRequiredService<IncidentArchive>();
var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, catalog.Calendar.TimeZone).DateTime);
var archivedAlerts = (await archive.EntriesAsync(ArchiveSources.Alerts, today.AddDays(-1), today)).Count;
var archivedIncidents = archiveByKind.GetValueOrDefault("incidents").Objects;

var steady = samples.Where(s => s.At >= window.TotalSeconds * 2 + 15).ToList();
var growth = samples.Where(s => s.At <= window.TotalSeconds).ToList();
Console.WriteLine();
Console.WriteLine(
    $"{Interlocked.Read(ref alerts)} alerts, {Count()} incidents ({closedWithPhoto} closed with a photo, "
        + $"the rest dismissed; {deskRefused} desk commands refused as the incident had moved on) "
        + $"in {clock.Elapsed.TotalSeconds:F0} s"
);
if (growth.Count > 1)
    Console.WriteLine(
        $"before the window: redis grew {Mb(growth[^1].Used - baseline)} "
            + $"for {growth[^1].Alerts} alerts and {growth[^1].Incidents} incidents"
    );
if (steady.Count > 1)
{
    var (low, high) = (steady.Min(s => s.Used), steady.Max(s => s.Used));
    var slope = Slope(steady.Select(s => (s.At, (double)s.Used)).ToList());
    Console.WriteLine(
        $"once the window was reached ({steady[0].At:F0}-{steady[^1].At:F0} s): redis between {Mb(low)} and {Mb(high)} "
            + $"(trend {slope / 1024:F1} KB/s) while {steady[^1].Alerts - steady[0].Alerts} alerts "
            + $"and {steady[^1].Incidents - steady[0].Incidents} incidents went through "
            + $"(before the window it grew {Slope(growth.Select(s => (s.At, (double)s.Used)).ToList()) / 1024:F1} KB/s)"
    );
}
var hotAlerts = redisByKind.GetValueOrDefault("alert record").Items;
var hotIncidents = redisByKind.GetValueOrDefault("incident records").Items;
foreach (var (kind, (bytes, items)) in redisByKind.OrderByDescending(k => k.Value.Bytes))
    Console.WriteLine(
        $"  redis   {kind,-22} {Mb(bytes),9}  {items,7} items  {(items == 0 ? 0 : bytes / items),6} bytes each"
    );
foreach (var (kind, (bytes, objects)) in archiveByKind.OrderByDescending(k => k.Value.Bytes))
    Console.WriteLine($"  archive {kind,-22} {Mb(bytes),9}  {objects,7} objects");
long BytesOf(string kind) => redisByKind.GetValueOrDefault(kind).Bytes;

// In Redis an alert costs its entry in the alert record (the device journals are capped per device, the alert index per
// incident); an incident its record, its read model and alert index, and its share of the event streams.
var perAlertRedis = hotAlerts == 0 ? 0 : BytesOf("alert record") / (double)hotAlerts;
var perIncidentRedis =
    hotIncidents == 0
        ? 0
        : (
            BytesOf("incident records")
            + BytesOf("read model incidents")
            + BytesOf("alert index")
            + BytesOf("event streams")
        ) / (double)hotIncidents;
var perAlertArchive =
    archivedAlerts == 0 ? 0 : archiveByKind.GetValueOrDefault("alerts").Bytes / (double)archivedAlerts;
var perIncidentArchive =
    archivedIncidents == 0
        ? 0
        : (
            archiveByKind.GetValueOrDefault("incidents").Bytes
            + archiveByKind.GetValueOrDefault("events").Bytes
            + archiveByKind.GetValueOrDefault("facts").Bytes
        ) / (double)archivedIncidents;
Console.WriteLine(
    $"bytes per alert: redis {perAlertRedis:F0} (its alert record entry), archive {perAlertArchive:F0} (gzip NDJSON)"
);
Console.WriteLine(
    $"bytes per incident: redis {perIncidentRedis:F0} (record, read model, alert index, events), "
        + $"archive {perIncidentArchive:F0} (document, events, facts; photos apart)"
);
Console.WriteLine(
    JsonSerializer.Serialize(
        new
        {
            alerts = Interlocked.Read(ref alerts),
            incidents = Count(),
            seconds = Math.Round(clock.Elapsed.TotalSeconds),
            window_s = window.TotalSeconds,
            steady_low_mb = steady.Count > 0 ? Math.Round(steady.Min(s => s.Used) / 1048576.0, 1) : 0,
            steady_high_mb = steady.Count > 0 ? Math.Round(steady.Max(s => s.Used) / 1048576.0, 1) : 0,
            bytes_per_alert_redis = Math.Round(perAlertRedis),
            bytes_per_alert_archive = Math.Round(perAlertArchive),
            bytes_per_incident_redis = Math.Round(perIncidentRedis),
            bytes_per_incident_archive = Math.Round(perIncidentArchive),
        }
    )
);
await app.StopAsync();
Directory.Delete(data, recursive: true);

static string Id() => Guid.NewGuid().ToString("N");
static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MB";
long Count()
{
    lock (numbers)
        return numbers.Count;
}

async Task<long> UsedMemory() =>
    long.Parse(
        (await admin.GetServer(redisServer.ConnectionString).InfoAsync("memory"))
            .SelectMany(g => g)
            .First(kv => kv.Key == "used_memory")
            .Value,
        CultureInfo.InvariantCulture
    );

async Task<long> StreamEntries()
{
    var db = admin.GetDatabase();
    var total = 0L;
    foreach (var source in app.Services.GetRequiredService<ArchiveSources>().All)
        total += await db.StreamLengthAsync(source.Key);
    return total;
}

async Task<long> Keys() => await admin.GetServer(redisServer.ConnectionString).DatabaseSizeAsync();

// Memory by kind of key (MEMORY USAGE of every key), and how many items of that kind Redis holds.
async Task<Dictionary<string, (long Bytes, long Items)>> RedisByKind()
{
    var db = admin.GetDatabase();
    var kinds = new Dictionary<string, (long Bytes, long Items)>();
    await foreach (var key in admin.GetServer(redisServer.ConnectionString).KeysAsync(pattern: "*", pageSize: 1000))
    {
        var name = (string)key!;
        var kind = name switch
        {
            _ when name.EndsWith(":alerts", StringComparison.Ordinal)
                    && name.StartsWith("{soak:a", StringComparison.Ordinal) => "alert record",
            _ when name.Contains(":journal:", StringComparison.Ordinal) => "device journals",
            _ when name.EndsWith(":events", StringComparison.Ordinal) => "event streams",
            _ when name.Contains(":incident:", StringComparison.Ordinal)
                    && name.StartsWith("{soak:p", StringComparison.Ordinal) => "incident records",
            _ when name.Contains(":rm:incident:", StringComparison.Ordinal) => "read model incidents",
            _ when name.Contains(":rm:alerts:", StringComparison.Ordinal) => "alert index",
            _ when name.Contains(":rm:", StringComparison.Ordinal) => "read model indexes",
            _ when name.EndsWith(":reads", StringComparison.Ordinal) => "read log",
            _ when name.Contains("claim:", StringComparison.Ordinal) => "number claims (7 d)",
            _ when name.Contains(":evidence:", StringComparison.Ordinal) => "evidence metadata",
            _ when name.StartsWith("soak/", StringComparison.Ordinal) => "orleans",
            _ => "other",
        };
        var bytes = (long)await db.ExecuteAsync("MEMORY", "USAGE", key);
        var items = kind switch
        {
            "alert record" or "event streams" or "read log" or "device journals" => await db.StreamLengthAsync(key),
            _ => 1,
        };
        var (b, n) = kinds.GetValueOrDefault(kind);
        kinds[kind] = (b + bytes, n + items);
    }
    return kinds;
}

static double Slope(IReadOnlyList<(double X, double Y)> points)
{
    if (points.Count < 2)
        return 0;
    var (mx, my) = (points.Average(p => p.X), points.Average(p => p.Y));
    var den = points.Sum(p => (p.X - mx) * (p.X - mx));
    return den == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / den;
}
