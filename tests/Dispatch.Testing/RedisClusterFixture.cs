using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Tests;

/// <summary>
/// A real Redis Cluster for the whole test run: three primaries with one replica each, six <c>redis-server</c>
/// processes with cluster mode and AOF on, on free loopback ports, in a temporary folder, joined by
/// <c>redis-cli --cluster create</c>. It is ready once every node says <c>cluster_state:ok</c>, the nodes agree on
/// who serves which of the 16384 slots, and every replica is in sync with its primary. A primary can be killed
/// (SIGKILL) to watch its replica take over, and started again to rejoin as a replica. The system runs on it as it
/// would in production on a cluster: every write is acknowledged only once a replica has it
/// (<c>Store:WaitForReplicas=1</c>).
/// </summary>
public sealed class RedisClusterFixture : TestStore
{
    /// <summary>
    /// The collection of the tests that share the run's Redis Cluster. xunit wants each test assembly to declare it:
    /// <c>[CollectionDefinition(RedisClusterFixture.Collection)]
    /// public sealed class RedisClusterCollection : ICollectionFixture&lt;RedisClusterFixture&gt;;</c>
    /// </summary>
    public const string Collection = "redis-cluster";

    private const int PrimaryCount = 3;
    private const int NodeCount = PrimaryCount * 2;

    /// <summary>
    /// How long a node may be silent before the others count it failed and its replica is promoted. Short, so that a
    /// failover takes seconds; not shorter, so that a node starved of CPU on a busy machine is not failed over.
    /// </summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the fixture waits for the cluster to form, fail over or heal before it gives up.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<NodeProcess> _processes = [];
    private string _lastSeen = "nothing yet";
    private IConnectionMultiplexer? _connection;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dispatch-redis-cluster-").FullName;

    /// <summary>Every node, as a client lists them to find the cluster: <c>127.0.0.1:p1,…,127.0.0.1:p6</c>.</summary>
    public override string ConnectionString => string.Join(',', _processes.Select(p => $"127.0.0.1:{p.Port}"));

    /// <summary>The nodes as the cluster last agreed on them: after start, a failover, or a restart.</summary>
    public IReadOnlyList<RedisClusterNode> Nodes { get; private set; } = [];

    public IEnumerable<RedisClusterNode> Primaries => Nodes.Where(n => n.IsPrimary && !n.IsFailed);

    public override IConnectionMultiplexer Connection =>
        _connection ?? throw new InvalidOperationException("the Redis Cluster has not formed");

    public override int WaitForReplicas => 1;

    /// <summary>
    /// Longer than the product's default (half a second): the machine the tests run on is shared, and a replica
    /// starved of CPU for a moment must not fail a test that is not about it. Tests about replication set their own.
    /// </summary>
    public override TimeSpan ReplicaTimeout => TimeSpan.FromSeconds(5);

    public RedisClusterNode ReplicaOf(RedisClusterNode primary) =>
        Nodes.Single(n => n.PrimaryId == primary.Id && !n.IsFailed);

    /// <summary>The hash slot of <paramref name="key"/>, as the cluster computes it (<c>CLUSTER KEYSLOT</c>).</summary>
    public async Task<int> SlotAsync(string key) =>
        (int)(long)(await RedisClusterAdmin.AskAsync(Primaries.First().Port, "CLUSTER", "KEYSLOT", key))!;

    /// <summary>The primary that serves <paramref name="key"/>'s slot.</summary>
    public async Task<RedisClusterNode> PrimaryOfAsync(string key)
    {
        var slot = await SlotAsync(key);
        return Primaries.Single(p => p.Serves(slot));
    }

    protected override async Task StartAsync()
    {
        var server =
            RedisServer.FindBinary()
            ?? throw new InvalidOperationException(
                "redis-server is not installed; ./test.sh installs it (apt-get install redis-server)"
            );
        var cli = Path.Combine(Path.GetDirectoryName(server)!, "redis-cli");
        if (!File.Exists(cli))
            throw new InvalidOperationException($"redis-cli is not installed beside {server}");
        try
        {
            var taken = new HashSet<int>();
            for (var i = 0; i < NodeCount; i++)
                _processes.Add(await StartNodeAsync(server, i, taken));
            await CreateClusterAsync(cli);
            Nodes = await UntilAsync("the cluster to form", WholeAsync);
            _connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        }
        catch
        {
            // Whether or not the runner disposes a fixture that failed to start, no redis-server may outlive it.
            foreach (var process in _processes)
                process.Kill();
            throw;
        }
    }

    /// <summary>
    /// Waits until every replica has applied everything its primary had written when this was called. A kill after
    /// this loses nothing, which tells failover apart from replication lag (what a commit's WAIT is for).
    /// </summary>
    public async Task WaitForReplicationAsync()
    {
        var written = new Dictionary<RedisClusterNode, long>();
        foreach (var primary in Primaries)
            written[ReplicaOf(primary)] = long.Parse(await ReplicationAsync(primary, "master_repl_offset"));
        await UntilAsync(
            "the replicas to catch up with their primaries",
            async () =>
            {
                foreach (var (replica, offset) in written)
                {
                    var applied = long.Parse(await ReplicationAsync(replica, "slave_repl_offset"));
                    if (applied < offset)
                        return NotYet<Dictionary<RedisClusterNode, long>>(
                            $"{replica.EndPoint} has applied {applied} of {offset}"
                        );
                }
                return written;
            }
        );
    }

    /// <summary>
    /// Kills a primary with SIGKILL, as a crashed machine stops, and waits until the other nodes have marked it
    /// failed, its replica serves its slots, and every node says <c>cluster_state:ok</c>. Returns the promoted node.
    /// </summary>
    public async Task<RedisClusterNode> KillPrimaryAsync(RedisClusterNode primary)
    {
        var victim = Nodes.Single(n => n.Id == primary.Id);
        if (!victim.IsPrimary || victim.IsFailed)
            throw new ArgumentException($"{primary.EndPoint} is not a running primary", nameof(primary));
        var replica = ReplicaOf(victim);
        ProcessOf(victim).Kill();
        Nodes = await UntilAsync(
            $"{replica.EndPoint} to take over from {victim.EndPoint}",
            () => PromotedAsync(victim, replica)
        );
        return Nodes.Single(n => n.Id == replica.Id);
    }

    /// <summary>
    /// Starts a killed node again on its port with its files. It finds its slots served by the node that took over
    /// and becomes that node's replica; this waits until the cluster is whole again (three primaries, each with a
    /// replica in sync).
    /// </summary>
    public async Task RestartAsync(RedisClusterNode node)
    {
        var process = ProcessOf(node);
        if (process.IsRunning)
            throw new ArgumentException($"{node.EndPoint} is running", nameof(node));
        process.Start();
        await process.WaitUntilAnswersAsync();
        Nodes = await UntilAsync($"the cluster to be whole again after {node.EndPoint} restarted", WholeAsync);
    }

    protected override async Task StopAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        foreach (var process in _processes)
            process.Kill();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private NodeProcess ProcessOf(RedisClusterNode node) => _processes.Single(p => p.Port == node.Port);

    /// <summary>
    /// Starts one node on free ports. Another program may take a port between the probe and the start, in which
    /// case redis-server exits at once and the node is started again on other ports.
    /// </summary>
    private async Task<NodeProcess> StartNodeAsync(string binary, int index, HashSet<int> taken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var process = new NodeProcess(
                binary,
                FreePort(taken),
                FreePort(taken),
                Path.Combine(Directory, $"node-{index}")
            );
            process.Start();
            try
            {
                await process.WaitUntilAnswersAsync();
                return process;
            }
            catch (InvalidOperationException) when (attempt < 3 && !process.IsRunning)
            {
                process.Kill();
            }
        }
    }

    /// <summary>
    /// A free port no other node uses. The cluster bus port is chosen so too: port + 10000 may be taken or past 65535.
    /// </summary>
    private static int FreePort(HashSet<int> taken)
    {
        while (true)
            if (RedisServer.FreePort() is var port && taken.Add(port))
                return port;
    }

    private async Task CreateClusterAsync(string cli)
    {
        var start = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (var process in _processes)
            start.ArgumentList.Add($"127.0.0.1:{process.Port}");
        foreach (var argument in new[] { "--cluster-replicas", "1", "--cluster-yes" })
            start.ArgumentList.Add(argument);
        using var create = Process.Start(start) ?? throw new InvalidOperationException($"could not start {cli}");
        var output = create.StandardOutput.ReadToEndAsync();
        var errors = create.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await create.WaitForExitAsync(timeout.Token);
        if (create.ExitCode != 0)
            throw new InvalidOperationException(
                $"redis-cli --cluster create failed (exit code {create.ExitCode}): {await output}{await errors}"
            );
    }

    /// <summary>
    /// The cluster when it is whole: every node running and reporting <c>cluster_state:ok</c>, all agreeing on three
    /// primaries that cover every slot, each with one replica whose link to it is up. Null while it is not.
    /// </summary>
    private async Task<IReadOnlyList<RedisClusterNode>?> WholeAsync()
    {
        IReadOnlyList<RedisClusterNode>? agreed = null;
        foreach (var process in _processes)
        {
            if (await ViewAsync(process.Port) is not { } view)
                return null;
            var primaries = view.Where(n => n.IsPrimary).ToList();
            if (
                view.Count != NodeCount
                || view.Any(n => n.IsFailed)
                || primaries.Count != PrimaryCount
                || primaries.Sum(p => p.Slots.Sum(r => r.Count)) != RedisSlotRange.SlotCount
                || primaries.Any(p => view.Count(r => r.PrimaryId == p.Id) != 1)
            )
                return NotYet($"127.0.0.1:{process.Port} sees {Describe(view)}");
            if (agreed is not null && Describe(agreed) != Describe(view))
                return NotYet($"127.0.0.1:{process.Port} sees {Describe(view)}, others {Describe(agreed)}");
            agreed = view;
        }
        foreach (var replica in agreed!.Where(n => !n.IsPrimary))
            if (await ReplicationAsync(replica, "master_link_status") != "up")
                return NotYet($"{replica.EndPoint} is not yet in sync with its primary");
        return agreed;
    }

    /// <summary>
    /// The cluster once <paramref name="replica"/> has taken over from the killed <paramref name="victim"/>: every
    /// running node reports <c>cluster_state:ok</c>, counts the victim failed and the replica a primary serving the
    /// victim's slots. Null while it has not.
    /// </summary>
    private async Task<IReadOnlyList<RedisClusterNode>?> PromotedAsync(
        RedisClusterNode victim,
        RedisClusterNode replica
    )
    {
        IReadOnlyList<RedisClusterNode>? agreed = null;
        foreach (var process in _processes.Where(p => p.IsRunning))
        {
            if (await ViewAsync(process.Port) is not { } view)
                return null;
            var promoted = view.Single(n => n.Id == replica.Id);
            if (
                !view.Single(n => n.Id == victim.Id).IsFailed
                || !promoted.IsPrimary
                || string.Join(' ', promoted.Slots) != string.Join(' ', victim.Slots)
            )
                return NotYet($"127.0.0.1:{process.Port} sees {Describe(view)}");
            if (agreed is not null && Describe(agreed) != Describe(view))
                return NotYet($"127.0.0.1:{process.Port} sees {Describe(view)}, others {Describe(agreed)}");
            agreed = view;
        }
        return agreed;
    }

    /// <summary>What one node says of the cluster, or null while it does not yet serve every slot.</summary>
    private async Task<IReadOnlyList<RedisClusterNode>?> ViewAsync(int port)
    {
        var info = await RedisClusterAdmin.FieldsAsync(port, "CLUSTER", "INFO");
        if (info["cluster_state"] != "ok" || info["cluster_slots_ok"] != RedisSlotRange.SlotCount.ToString())
            return NotYet(
                $"127.0.0.1:{port}: cluster_state:{info["cluster_state"]}, "
                    + $"cluster_slots_ok:{info["cluster_slots_ok"]}"
            );
        var lines = await RedisClusterAdmin.TextAsync(port, "CLUSTER", "NODES");
        return [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(RedisClusterNode.Parse)];
    }

    private static async Task<string> ReplicationAsync(RedisClusterNode node, string field) =>
        (await RedisClusterAdmin.FieldsAsync(node.Port, "INFO", "replication"))[field];

    /// <summary>What a node that is not listening yet, has just died, or is still loading its data throws.</summary>
    private static bool NotAnswering(Exception e) =>
        e is IOException or SocketException or OperationCanceledException or RedisNodeError;

    /// <summary>A view in a form two views can be compared in: each node's port, role and slots, by port.</summary>
    private static string Describe(IEnumerable<RedisClusterNode> view)
    {
        var ports = view.ToDictionary(n => n.Id, n => n.Port);
        return string.Join(
            "; ",
            view.OrderBy(n => n.Port)
                .Select(n =>
                    $"{n.Port} {(n.IsFailed ? "failed " : "")}"
                    + (
                        n.IsPrimary
                            ? $"primary [{string.Join(' ', n.Slots)}]"
                            : $"replica of {(n.PrimaryId is { } id && ports.TryGetValue(id, out var p) ? p : 0)}"
                    )
                )
        );
    }

    private T? NotYet<T>(string seen)
        where T : class
    {
        _lastSeen = seen;
        return null;
    }

    private IReadOnlyList<RedisClusterNode>? NotYet(string seen) => NotYet<IReadOnlyList<RedisClusterNode>>(seen);

    /// <summary>Polls until <paramref name="probe"/> gives a value; a node not answering is no failure.</summary>
    private async Task<T> UntilAsync<T>(string what, Func<Task<T?>> probe)
        where T : class
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await probe() is { } done)
                    return done;
            }
            catch (Exception e) when (NotAnswering(e))
            {
                _lastSeen = e.Message;
            }
            if (DateTime.UtcNow > until)
                throw new InvalidOperationException(
                    $"timed out after {Patience} waiting for {what}; last seen: {_lastSeen}\n{LogTails()}"
                );
            await Task.Delay(100);
        }
    }

    /// <summary>The last lines of every node's log, since the folder is deleted with the fixture.</summary>
    private string LogTails()
    {
        var tails = new StringBuilder();
        foreach (var process in _processes)
        {
            var log = Path.Combine(process.DataDirectory, "redis.log");
            var lines = File.Exists(log) ? File.ReadLines(log).TakeLast(8) : ["(no log)"];
            tails.Append($"--- 127.0.0.1:{process.Port}\n").AppendJoin('\n', lines).Append('\n');
        }
        return tails.ToString();
    }

    /// <summary>
    /// One node's redis-server process. <see cref="RedisServer"/> cannot start a cluster node (it takes no extra
    /// options), so the fixture starts its own with the same persistence settings plus cluster mode.
    /// </summary>
    private sealed class NodeProcess(string binary, int port, int busPort, string dataDirectory)
    {
        private Process? _process;
        private readonly StringBuilder _output = new();

        public int Port => port;
        public string DataDirectory => dataDirectory;
        public bool IsRunning => _process is { HasExited: false };

        public void Start()
        {
            System.IO.Directory.CreateDirectory(dataDirectory);
            var start = new ProcessStartInfo(binary)
            {
                WorkingDirectory = dataDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (
                var argument in new[]
                {
                    "--port",
                    port.ToString(),
                    "--cluster-port",
                    busPort.ToString(),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    dataDirectory,
                    "--logfile",
                    "redis.log",
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "yes",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    ((int)NodeTimeout.TotalMilliseconds).ToString(),
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "everysec",
                    "--save",
                    "",
                    // A replica's first sync starts at once instead of waiting five seconds for other replicas to join
                    // it.
                    "--repl-diskless-sync-delay",
                    "0",
                }
            )
                start.ArgumentList.Add(argument);
            _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
            _process.OutputDataReceived += (_, line) => Keep(line.Data);
            _process.ErrorDataReceived += (_, line) => Keep(line.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private void Keep(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }

        public async Task WaitUntilAnswersAsync()
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                try
                {
                    if (await RedisClusterAdmin.AskAsync(port, "PING") is "PONG")
                        return;
                }
                catch (Exception e) when (NotAnswering(e))
                {
                    // Not listening yet, or still loading its AOF.
                }
                if (!IsRunning || DateTime.UtcNow > until)
                {
                    string output;
                    lock (_output)
                        output = _output.ToString();
                    throw new InvalidOperationException(
                        $"redis-server did not come up on port {port} ({(IsRunning ? "no answer" : "it exited")}):"
                            + $" {output} see {Path.Combine(dataDirectory, "redis.log")}"
                    );
                }
                await Task.Delay(50);
            }
        }

        /// <summary>SIGKILL: the process gets no chance to flush or say goodbye, as when its machine dies.</summary>
        public void Kill()
        {
            if (_process is null)
                return;
            if (!_process.HasExited)
                _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            _process = null;
        }
    }
}
