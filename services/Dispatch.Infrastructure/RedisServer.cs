using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// A <c>redis-server</c> child process on a loopback port: the embedded default's store, and the real Redis
/// that tests run against. AOF is on (<c>appendfsync everysec</c>: at most about a second of writes is lost
/// if the machine itself dies; a crash of the process alone loses nothing that Redis acknowledged). Memory is bounded:
/// <c>maxmemory</c> with <c>noeviction</c>, so at the limit Redis refuses writes (OOM) instead of dropping keys.
/// <para>
/// A server started here writes its process id and port to <see cref="PidFile"/> in its data folder, and removes it
/// when it is stopped. A process that was killed (SIGKILL, a crash) leaves its redis-server running with that file
/// in place: the next start finds it there (<see cref="AdoptAsync"/>), takes it over when it serves the same port,
/// and otherwise stops it, so that no redis-server is ever left orphaned.
/// </para>
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The file in the data folder naming the redis-server that serves it: "process-id port".</summary>
    public const string PidFile = "dispatch-redis-server.pid";

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(20);
    private readonly Process _process;

    private RedisServer(Process process, int port, string dataDirectory, bool adopted)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
        Adopted = adopted;
    }

    public int Port { get; }
    public string DataDirectory { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The memory limit of the embedded redis-server unless <c>Redis:MaxMemory</c> says otherwise.</summary>
    public const string DefaultMaxMemory = "1gb";

    /// <summary>The redis-server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether this server was started by an earlier run and taken over by this one.</summary>
    public bool Adopted { get; }

    /// <summary>The redis-server binary on the PATH, or null when it is not installed.</summary>
    public static string? FindBinary(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured) ? configured : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// A port free on loopback now, chosen below the kernel's ephemeral range (from 32768), so that no outgoing
    /// connection takes it between this answer and its bind, and never the same twice in this process.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 30_000);
            lock (HandedOut)
                if (!HandedOut.Add(port))
                    continue;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by another process: try another.
            }
        }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// Starts redis-server with AOF on <paramref name="port"/> (0: a free one), keeping its files in
    /// <paramref name="dataDirectory"/>, with at most <paramref name="maxMemory"/> (Redis units: 1gb, 512mb) of data,
    /// and waits until it serves; <paramref name="say"/> hears what it waits for (a large AOF takes a while to load).
    /// </summary>
    public static async Task<RedisServer> StartAsync(
        string binary,
        string dataDirectory,
        int port = 0,
        CancellationToken cancellationToken = default,
        string? maxMemory = null,
        Action<string>? say = null
    )
    {
        Directory.CreateDirectory(dataDirectory);
        if (port == 0)
            port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in new[]
            {
                "--port",
                port.ToString(),
                "--bind",
                "127.0.0.1",
                "--dir",
                Path.GetFullPath(dataDirectory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                "--logfile",
                "redis.log",
                "--maxmemory",
                string.IsNullOrWhiteSpace(maxMemory) ? DefaultMaxMemory : maxMemory.Trim(),
                "--maxmemory-policy",
                "noeviction",
            }
        )
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var server = new RedisServer(process, port, dataDirectory, adopted: false);
        await File.WriteAllTextAsync(PidPath(dataDirectory), $"{process.Id} {port}", cancellationToken);
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken, say);
        }
        catch
        {
            // A server that did not come up is not left behind.
            server.Kill();
            throw;
        }
        return server;
    }

    /// <summary>
    /// The redis-server an earlier run started for <paramref name="dataDirectory"/> and left running (its process was
    /// killed before it could stop it), found by <see cref="PidFile"/>: taken over when it serves
    /// <paramref name="port"/> (waiting while it loads its data), else stopped. Null when there is none to take over;
    /// a file that names no such server any more is removed. <paramref name="say"/> hears what is done.
    /// </summary>
    public static async Task<RedisServer?> AdoptAsync(
        string dataDirectory,
        int port,
        Action<string>? say = null,
        CancellationToken cancellationToken = default
    )
    {
        var file = PidPath(dataDirectory);
        if (!File.Exists(file))
            return null;
        var recorded = (await File.ReadAllTextAsync(file, cancellationToken)).Split(
            ' ',
            StringSplitOptions.RemoveEmptyEntries
        );
        if (
            recorded is not [var pidText, var portText]
            || !int.TryParse(pidText, out var pid)
            || !int.TryParse(portText, out var itsPort)
            || ServerOf(pid, dataDirectory) is not { } process
        )
        {
            File.Delete(file);
            return null;
        }
        var server = new RedisServer(process, itsPort, dataDirectory, adopted: true);
        if (port != 0 && itsPort != port)
        {
            say?.Invoke(
                $"stopping the redis-server (pid {pid}, port {itsPort}) that an earlier run left serving "
                    + $"{dataDirectory}: this run uses port {port}"
            );
            await server.DisposeAsync();
            return null;
        }
        say?.Invoke(
            $"taking over the redis-server (pid {pid}, port {itsPort}) that an earlier run left serving "
                + dataDirectory
        );
        await server.WaitUntilReadyAsync(cancellationToken, say);
        return server;
    }

    private static string PidPath(string dataDirectory) => Path.Combine(dataDirectory, PidFile);

    /// <summary>
    /// The process <paramref name="pid"/> when it is a redis-server working in <paramref name="dataDirectory"/> (its
    /// working directory is its <c>--dir</c>), so that a process id reused by something else is never touched.
    /// </summary>
    private static Process? ServerOf(int pid, string dataDirectory)
    {
        try
        {
            var process = Process.GetProcessById(pid);
            var cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
            var same =
                cwd is not null
                && Path.TrimEndingDirectorySeparator(Path.GetFullPath(cwd))
                    == Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
            if (same && process.ProcessName.StartsWith("redis-server", StringComparison.Ordinal))
                return process;
            process.Dispose();
            return null;
        }
        catch (Exception e)
            when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return null; // gone, or not ours to see
        }
    }

    /// <summary>Whether the server's process still runs (one taken over is no child of ours: asked of /proc).</summary>
    private bool Running =>
        Adopted ? Directory.Exists($"/proc/{_process.Id}") && !IsZombie(_process.Id) : !_process.HasExited;

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// Waits until the server serves. A server loading a large AOF answers LOADING for as long as that takes, which is
    /// no failure (it is said, with how much is loaded): only a server that does not answer at all gives up after a
    /// while.
    /// </summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken, Action<string>? say)
    {
        var deadline = DateTime.UtcNow + Quiet;
        var waiting = Stopwatch.StartNew();
        TimeSpan? told = null;
        while (await ProbeAsync(ConnectionString) is var state && state != Readiness.Ready)
        {
            if (state == Readiness.Loading)
            {
                deadline = DateTime.UtcNow + Quiet;
                if (told is not { } last || waiting.Elapsed - last >= TimeSpan.FromSeconds(5))
                {
                    told = waiting.Elapsed;
                    say?.Invoke(
                        $"redis-server on port {Port} is loading its data ({await LoadedAsync()}, "
                            + $"{AppendOnlyMegabytes(DataDirectory):0} MB of AOF in {DataDirectory}); waiting for it"
                    );
                }
            }
            if (!Running || DateTime.UtcNow > deadline)
                throw new InvalidOperationException(
                    $"redis-server did not come up on port {Port} ({(Running ? "no answer" : "it exited")}); "
                        + $"see {Path.Combine(DataDirectory, "redis.log")}"
                );
            await Task.Delay(50, cancellationToken);
        }
        if (told is not null)
            say?.Invoke($"redis-server on port {Port} has loaded its data in {waiting.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>How far a loading server is, from <c>INFO persistence</c> (which a loading server answers).</summary>
    private async Task<string> LoadedAsync()
    {
        var reply = await AskAsync(ConnectionString, "INFO persistence", "loading_loaded_perc:");
        var at = reply.IndexOf("loading_loaded_perc:", StringComparison.Ordinal);
        if (at < 0)
            return "starting";
        var value = reply[(at + "loading_loaded_perc:".Length)..];
        return $"{value[..value.IndexOf('\r')]} % loaded";
    }

    private static double AppendOnlyMegabytes(string dataDirectory) =>
        Directory.Exists(dataDirectory)
            ? Directory
                .EnumerateFiles(dataDirectory, "appendonly*", SearchOption.AllDirectories)
                .Sum(f => new FileInfo(f).Length) / 1048576.0
            : 0;

    /// <summary>Whether a Redis answers PING at <paramref name="endpoint"/> right now, ready to serve.</summary>
    public static async Task<bool> AnswersAsync(string endpoint) => await ProbeAsync(endpoint) == Readiness.Ready;

    /// <summary>
    /// What a Redis at <paramref name="endpoint"/> (<c>host:port</c>, no password) is doing: absent, loading its data
    /// (it answers LOADING), or ready. One PING in the protocol itself, so that a loading server is told apart from an
    /// absent one whatever a client library makes of LOADING during its own handshake.
    /// </summary>
    public static async Task<Readiness> ProbeAsync(string endpoint) =>
        await AskAsync(endpoint, "PING") switch
        {
            var r when r.StartsWith("+PONG", StringComparison.Ordinal) => Readiness.Ready,
            var r when r.StartsWith("-LOADING", StringComparison.Ordinal) => Readiness.Loading,
            _ => Readiness.Absent,
        };

    /// <summary>
    /// Sends one inline command to a Redis at <paramref name="endpoint"/> and answers what came back: its first line,
    /// or, with <paramref name="until"/>, up to the end of the line that holds it; at most a second of reading, and
    /// empty when nothing answers.
    /// </summary>
    private static async Task<string> AskAsync(string endpoint, string command, string? until = null)
    {
        var colon = endpoint.LastIndexOf(':');
        var reply = new System.Text.StringBuilder();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..]), timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
            var buffer = new byte[4096];
            while (!Complete(reply.ToString()) && await stream.ReadAsync(buffer, timeout.Token) is var read and > 0)
                reply.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            // What came so far, if anything, is the answer.
        }
        return reply.ToString();

        bool Complete(string text) =>
            until is null
                ? text.Contains("\r\n", StringComparison.Ordinal)
                : text.IndexOf(until, StringComparison.Ordinal) is var at and >= 0
                    && text.IndexOf("\r\n", at, StringComparison.Ordinal) >= 0;
    }

    /// <summary>What a probe found at an endpoint.</summary>
    public enum Readiness
    {
        Absent,
        Loading,
        Ready,
    }

    /// <summary>Stops the server at once, as a crash or an outage would (SIGKILL).</summary>
    public void Kill()
    {
        if (Running)
            _process.Kill(entireProcessTree: true);
        WaitForExit(TimeSpan.FromSeconds(10));
    }

    private bool WaitForExit(TimeSpan timeout)
    {
        if (!Adopted)
            return _process.WaitForExit(timeout);
        var watch = Stopwatch.StartNew();
        while (Running && watch.Elapsed < timeout)
            Thread.Sleep(20);
        return !Running;
    }

    public async ValueTask DisposeAsync()
    {
        if (Running)
        {
            try
            {
                // SHUTDOWN makes redis flush its AOF before it exits.
                await using var connection = await ConnectionMultiplexer.ConnectAsync(
                    $"{ConnectionString},connectTimeout=1000,abortConnect=true,allowAdmin=true"
                );
                await connection.GetDatabase().ExecuteAsync("SHUTDOWN");
            }
            catch (RedisException)
            {
                // Already going, or unreachable: fall through to the kill below.
            }
            if (!WaitForExit(TimeSpan.FromSeconds(5)))
                _process.Kill(entireProcessTree: true);
        }
        // The file names this server only: one started here since, on the same folder, wrote its own.
        var file = PidPath(DataDirectory);
        if (File.Exists(file) && File.ReadAllText(file).StartsWith($"{_process.Id} ", StringComparison.Ordinal))
            File.Delete(file);
        _process.Dispose();
    }
}
