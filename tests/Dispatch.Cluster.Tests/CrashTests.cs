using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Infrastructure;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;
using Alert = Dispatch.Protos.V1.Alert;
using AlertAck = Dispatch.Protos.V1.AlertAck;
using DeviceRegistration = Dispatch.Protos.V1.DeviceRegistration;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// The embedded default (what <c>./run.sh</c> runs: silo, ingest and API in one process, on a redis-server it starts
/// itself) killed with SIGKILL, alone or with its redis-server, and started again: nothing it answered is contradicted,
/// no redis-server is left orphaned, and a redis-server still loading a large AOF is waited for.
/// </summary>
[Collection(RedisFixture.Collection)]
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const string AdminToken = "crash-admin";
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-crash-").FullName;
    private readonly List<int> _servers = [];

    /// <summary>The embedded default on free ports, its data in the test's folder; the same for each start.</summary>
    private sealed class Embedded(string folder)
    {
        public string Data { get; } = Path.Combine(folder, "redis");
        public int RedisPort { get; } = RedisServer.FreePort();
        public int IngestPort { get; } = RedisServer.FreePort();
        private readonly int[] _ports = [.. Enumerable.Range(0, 4).Select(_ => RedisServer.FreePort())];

        public ServiceProcess Start() =>
            ServiceProcess.Start(
                "Dispatch.Local",
                folder,
                $"--Redis:EmbeddedPort={RedisPort}",
                $"--Redis:DataDirectory={Data}",
                "--Simulator:Enabled=false",
                $"--Orleans:SiloPort={_ports[0]}",
                $"--Orleans:GatewayPort={_ports[1]}",
                $"--Ingest:Port={IngestPort}",
                $"--Ingest:AdminToken={AdminToken}",
                $"--Api:GrpcPort={_ports[2]}",
                $"--Api:HttpPort={_ports[3]}",
                "--Management:Port=0"
            );

        /// <summary>The redis-server the data folder's pid file names, when one is running.</summary>
        public int? Server()
        {
            var file = Path.Combine(Data, RedisServer.PidFile);
            if (!File.Exists(file))
                return null;
            var pid = int.Parse(File.ReadAllText(file).Split(' ')[0]);
            return Alive(pid) ? pid : null;
        }
    }

    public void Dispose()
    {
        foreach (var pid in _servers.Where(Alive))
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task StartedAsync(ServiceProcess process) =>
        await process.WaitForLineAsync("Ingest (gRPC, HTTP/2) on port", TimeSpan.FromSeconds(120));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sigkill_under_a_dedup_key_burst_and_a_restart_leave_one_incident_per_key(bool withItsRedis)
    {
        var embedded = new Embedded(_folder);
        var first = embedded.Start();
        await StartedAsync(first);
        _servers.Add(embedded.Server()!.Value);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{embedded.IngestPort}");
        var gateway = await CreekGateway.RegisterAsync(channel, AdminToken, "gw-crash", devices: 6);
        var keys = Enumerable.Range(0, 12).Select(k => $"crash-key-{k}").ToList();

        // Every device reports on every key, alert after alert: the first alert of a key opens its incident, the
        // others join it. The process is killed in the middle of it.
        var sent = new ConcurrentDictionary<string, Alert>();
        var before = new ConcurrentDictionary<string, AlertAck>();
        var burst = Task.WhenAll(
            keys.SelectMany(key =>
                Enumerable
                    .Range(0, 6)
                    .Select(d =>
                        Task.Run(async () =>
                        {
                            for (var n = 0; ; n++)
                            {
                                var alert = Alert($"dev-{d}", $"{key}-dev-{d}-{n}", key, d);
                                sent[alert.AlertId] = alert;
                                try
                                {
                                    before[alert.AlertId] = await gateway.ReportAsync(alert);
                                }
                                catch (RpcException)
                                {
                                    return; // the process was killed under it: the gateway resends after the restart
                                }
                            }
                        })
                    )
            )
        );
        await UntilAsync(() => before.Count >= 300, "300 alerts of the burst acknowledged");
        var redisBefore = embedded.Server()!.Value;
        if (withItsRedis)
        {
            first.Kill();
        }
        else
        {
            using (var kill = Process.Start("kill", ["-KILL", first.Id.ToString()]))
                await kill.WaitForExitAsync();
            await UntilAsync(() => first.HasExited, "the process to die");
        }
        await burst;
        await first.DisposeAsync();
        Assert.Equal(withItsRedis ? null : (int?)redisBefore, embedded.Server());

        var second = embedded.Start();
        await StartedAsync(second);
        var redisAfter = embedded.Server()!.Value;
        _servers.Add(redisAfter);
        if (withItsRedis)
            Assert.NotEqual(redisBefore, redisAfter);
        else
            Assert.Contains($"taking over the redis-server (pid {redisBefore}", second.Output);
        Assert.Equal(1, CountServers(embedded.Data));

        // The gateway resends what it sent (acknowledged or not), then one more alert on every key.
        var after = new Dictionary<string, AlertAck>();
        foreach (var alert in sent.Values)
            after[alert.AlertId] = await CreekGateway.Retry(() => gateway.ReportAsync(alert));
        foreach (var (key, k) in keys.Select((key, k) => (key, k)))
        {
            var late = Alert($"dev-{k % 6}", $"{key}-late", key, k % 6);
            after[late.AlertId] = await CreekGateway.Retry(() => gateway.ReportAsync(late));
        }
        output.WriteLine(
            $"{before.Count} of {sent.Count} acknowledged before the kill; after: "
                + string.Join(", ", after.Values.GroupBy(a => a.Disposition).Select(g => $"{g.Key} {g.Count()}"))
        );

        Assert.All(before, b => Assert.Equal(b.Value.IncidentNumber, after[b.Key].IncidentNumber));
        foreach (var key in keys)
        {
            var incidents = after
                .Where(a => a.Key.StartsWith($"{key}-", StringComparison.Ordinal))
                .Select(a => a.Value.IncidentNumber)
                .Distinct()
                .ToList();
            Assert.True(incidents.Count == 1, $"{key} has {incidents.Count} incidents: {string.Join(", ", incidents)}");
        }

        await second.TerminateAsync(TimeSpan.FromSeconds(60));
        await UntilAsync(() => !Alive(redisAfter), "the redis-server to stop with the process");
        Assert.Null(embedded.Server());
    }

    [Fact]
    public async Task A_start_on_a_redis_server_still_loading_a_large_aof_waits_for_it_saying_so()
    {
        var embedded = new Embedded(_folder);
        const int keys = 2_000_000;
        await using (var writer = await RedisServer.StartAsync(RedisServer.FindBinary()!, embedded.Data))
        {
            var patient = $"{writer.ConnectionString},asyncTimeout=60000";
            await using var connection = await ConnectionMultiplexer.ConnectAsync(patient);
            var db = connection.GetDatabase();
            foreach (var group in Enumerable.Range(0, keys / 1000).Chunk(20))
            {
                await Task.WhenAll(
                    group.Select(batch =>
                        db.StringSetAsync([
                            .. Enumerable
                                .Range(0, 1000)
                                .Select(i => new KeyValuePair<RedisKey, RedisValue>(
                                    $"bulk:{batch}:{i}",
                                    new string('v', 100)
                                )),
                        ])
                    )
                );
            }
        }
        var aof = Directory
            .EnumerateFiles(embedded.Data, "appendonly*", SearchOption.AllDirectories)
            .Sum(f => new FileInfo(f).Length);
        output.WriteLine($"AOF: {aof / 1048576.0:0} MB");

        // The process and its redis-server were killed together: this start finds the AOF to load.
        await using var process = embedded.Start();
        await StartedAsync(process);
        _servers.Add(embedded.Server()!.Value);
        output.WriteLine(process.Output);

        Assert.Contains($"redis-server on port {embedded.RedisPort} is loading its data", process.Output);
        Assert.Contains($"redis-server on port {embedded.RedisPort} has loaded its data", process.Output);
        Assert.Contains("Dispatch silo up", process.Output);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{embedded.RedisPort}"))
        {
            Assert.True(await connection.GetServer($"127.0.0.1:{embedded.RedisPort}").DatabaseSizeAsync() >= keys);
            Assert.True(await connection.GetDatabase().KeyExistsAsync($"bulk:{keys / 1000 - 1}:999"));
        }
        await process.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.Null(embedded.Server());
    }

    /// <summary>The processes working in <paramref name="data"/> (a redis-server works in its data folder).</summary>
    private static int CountServers(string data) =>
        Directory
            .EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Count(pid =>
            {
                try
                {
                    return int.TryParse(pid, out var id)
                        && Alive(id)
                        && new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget is { } cwd
                        && Path.GetFullPath(cwd) == Path.GetFullPath(data);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            });

    /// <summary>Whether the process runs: it exists and is no zombie (a killed child that nobody reaped).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Waits for a condition, polling; fails naming it if it does not come within 120 s.</summary>
    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"no {what} within 120 s");
            await Task.Delay(50);
        }
    }

    /// <summary>A device's alert with a gateway-set dedup key; each device in a grid cell of its own.</summary>
    private static Alert Alert(string device, string id, string key, int index) =>
        new()
        {
            AlertId = id,
            DeviceId = device,
            Type = "CREEK_LITTERING",
            Severity = 2,
            DedupKey = key,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1)),
            Location = CreekGateway.Position(index),
        };
}
