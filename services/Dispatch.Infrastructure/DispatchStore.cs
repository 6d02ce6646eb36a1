using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Where Dispatch keeps its state, chosen once at start: an external Redis (<c>Redis:ConnectionString</c>: one
/// server, or the nodes of a Redis Cluster), or a redis-server the host starts itself (the embedded default). There
/// is no memory-only mode: without a Redis nothing could be kept, so the host refuses to start and says why. Owns
/// the one Redis connection that Orleans' providers and Dispatch's own stores share.
/// </summary>
public sealed class DispatchStore : IAsyncDisposable
{
    private DispatchStore(
        string description,
        ConfigurationOptions options,
        IConnectionMultiplexer redis,
        RedisServer? embedded
    )
    {
        Description = description;
        Options = options;
        Redis = redis;
        Embedded = embedded;
    }

    /// <summary>A line for the start-up banner saying where state lives.</summary>
    public string Description { get; }
    public ConfigurationOptions Options { get; }
    public IConnectionMultiplexer Redis { get; }
    public RedisServer? Embedded { get; }

    /// <summary>
    /// Redis settings that fail fast: no connect abort at start (Redis may come later), short timeouts, and no
    /// backlog while disconnected, so an outage turns into a quick error instead of a queue that grows and hangs.
    /// </summary>
    public static ConfigurationOptions FailFast(string connectionString, string clientName)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= clientName;
        return options;
    }

    public static async Task<DispatchStore> OpenAsync(
        IConfiguration configuration,
        string clientName,
        CancellationToken cancellationToken = default
    )
    {
        var section = configuration.GetSection("Redis");
        if (section["ConnectionString"] is { Length: > 0 } external)
            return await ConnectAsync($"Redis {external} (external)", external, clientName, null);

        if (!section.GetValue("Embedded", true))
            throw new InvalidOperationException(
                "Redis:ConnectionString is empty and Redis:Embedded is false: "
                    + "Dispatch keeps its state in Redis; set one of them"
            );
        if (RedisServer.FindBinary(section["ServerPath"]) is not { } binary)
            throw new InvalidOperationException(
                "redis-server is not installed: Dispatch keeps its state in Redis. "
                    + "Install it (./run.sh does so as root: apt-get install redis-server) "
                    + "or set Redis:ConnectionString"
            );

        var port = section.GetValue("EmbeddedPort", 6380);
        var data = section["DataDirectory"] is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryRoot(), ".data", "redis");
        var endpoint = $"127.0.0.1:{port}";
        // The redis-server of an earlier run that was killed is taken over (or stopped): never left orphaned.
        var server = await RedisServer.AdoptAsync(data, port, Say, cancellationToken);
        if (server is null)
        {
            var found = await RedisServer.ProbeAsync(endpoint);
            if (found == RedisServer.Readiness.Loading)
                found = await LoadedAsync(endpoint, cancellationToken);
            if (found == RedisServer.Readiness.Ready)
            {
                var description = $"Redis {endpoint} (a redis-server already running on the embedded port)";
                return await ConnectAsync(description, endpoint, clientName, null);
            }
            server = await RedisServer.StartAsync(binary, data, port, cancellationToken, section["MaxMemory"], Say);
        }
        var how = server.Adopted
            ? $"embedded redis-server taken over from an earlier run, pid {server.ProcessId}"
            : "embedded redis-server";
        try
        {
            var description = $"Redis {server.ConnectionString} ({how}, AOF on, data in {Path.GetFullPath(data)})";
            return await ConnectAsync(description, server.ConnectionString, clientName, server);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// What the host says while it opens the store, before its logging exists: on the console, where the start-up
    /// banner follows.
    /// </summary>
    private static void Say(string line) => Console.WriteLine($"Dispatch: {line}");

    /// <summary>Waits while a redis-server that is not ours loads its data on the embedded port, saying so.</summary>
    private static async Task<RedisServer.Readiness> LoadedAsync(string endpoint, CancellationToken cancellationToken)
    {
        Say($"the redis-server on {endpoint} is loading its data; waiting for it");
        RedisServer.Readiness state;
        while ((state = await RedisServer.ProbeAsync(endpoint)) == RedisServer.Readiness.Loading)
            await Task.Delay(100, cancellationToken);
        return state;
    }

    private static async Task<DispatchStore> ConnectAsync(
        string description,
        string connectionString,
        string clientName,
        RedisServer? embedded
    )
    {
        var options = FailFast(connectionString, clientName);
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        return new DispatchStore(description, options, redis, embedded);
    }

    /// <summary>
    /// The repository's root (where Dispatch.sln is) above <paramref name="from"/> (the working directory), else that
    /// folder.
    /// </summary>
    public static string RepositoryRoot(string? from = null)
    {
        var start = from ?? Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dispatch.sln")))
                return dir.FullName;
        return start;
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        if (Embedded is not null)
            await Embedded.DisposeAsync();
    }
}
