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
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port, string dataDirectory)
    {
        _process = process;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }
    public string DataDirectory { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The memory limit of the embedded redis-server unless <c>Redis:MaxMemory</c> says otherwise.</summary>
    public const string DefaultMaxMemory = "1gb";

    /// <summary>The redis-server binary on the PATH, or null when it is not installed.</summary>
    public static string? FindBinary(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return File.Exists(configured) ? configured : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts redis-server with AOF on <paramref name="port"/> (0: a free one), keeping its files in
    /// <paramref name="dataDirectory"/>, with at most <paramref name="maxMemory"/> (Redis units: 1gb, 512mb) of data.
    /// </summary>
    public static async Task<RedisServer> StartAsync(
        string binary, string dataDirectory, int port = 0, CancellationToken cancellationToken = default, string? maxMemory = null)
    {
        Directory.CreateDirectory(dataDirectory);
        if (port == 0) port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", Path.GetFullPath(dataDirectory),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
            "--protected-mode", "yes", "--logfile", "redis.log",
            "--maxmemory", string.IsNullOrWhiteSpace(maxMemory) ? DefaultMaxMemory : maxMemory.Trim(), "--maxmemory-policy", "noeviction",
        })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var server = new RedisServer(process, port, dataDirectory);
        await server.WaitUntilReadyAsync(cancellationToken);
        return server;
    }

    /// <summary>
    /// Waits until the server serves. A server loading a large AOF answers LOADING for as long as that takes, which is
    /// no failure: only a server that does not answer at all gives up after a while.
    /// </summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await ProbeAsync(ConnectionString) is var state && state != Readiness.Ready)
        {
            if (state == Readiness.Loading) deadline = DateTime.UtcNow.AddSeconds(20);
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException(
                    $"redis-server did not come up on port {Port} ({(_process.HasExited ? $"exit code {_process.ExitCode}" : "no answer")}); see {Path.Combine(DataDirectory, "redis.log")}");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Whether a Redis answers PING at <paramref name="endpoint"/> right now, ready to serve.</summary>
    public static async Task<bool> AnswersAsync(string endpoint) => await ProbeAsync(endpoint) == Readiness.Ready;

    /// <summary>What a Redis at <paramref name="endpoint"/> is doing: absent, loading its data (it answers LOADING), or ready.</summary>
    public static async Task<Readiness> ProbeAsync(string endpoint)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync($"{endpoint},connectTimeout=500,abortConnect=true");
            await connection.GetDatabase().PingAsync();
            return Readiness.Ready;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("LOADING", StringComparison.Ordinal))
        {
            return Readiness.Loading;
        }
        catch (RedisConnectionException e) when (e.InnerException is RedisServerException inner && inner.Message.StartsWith("LOADING", StringComparison.Ordinal))
        {
            return Readiness.Loading;
        }
        catch (RedisConnectionException)
        {
            return Readiness.Absent;
        }
    }

    /// <summary>What a probe found at an endpoint.</summary>
    public enum Readiness { Absent, Loading, Ready }

    /// <summary>Stops the server at once, as a crash or an outage would (SIGKILL).</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                // SHUTDOWN makes redis flush its AOF before it exits.
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=1000,abortConnect=true,allowAdmin=true");
                await connection.GetDatabase().ExecuteAsync("SHUTDOWN");
            }
            catch (RedisException)
            {
                // Already going, or unreachable: fall through to the kill below.
            }
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5))) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
