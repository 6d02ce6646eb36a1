using Dispatch.Infrastructure;
using Dispatch.Tests;
using StackExchange.Redis;

namespace Dispatch.Benchmarks;

/// <summary>
/// The Redis a run measures on: one redis-server (acks promise its memory and AOF), or a Redis Cluster of three
/// primaries with a replica each (acks wait for a replica's WAIT). Counts the commands the primaries ran, those in
/// scripts included, and the reminders Orleans keeps.
/// </summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly IAsyncDisposable _owner;
    private readonly ConnectionMultiplexer _admin;

    private BenchStore(
        string name,
        string connectionString,
        int waitForReplicas,
        IAsyncDisposable owner,
        ConnectionMultiplexer admin
    )
    {
        (Name, ConnectionString, WaitForReplicas, _owner, _admin) = (
            name,
            connectionString,
            waitForReplicas,
            owner,
            admin
        );
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public int WaitForReplicas { get; }

    public static async Task<BenchStore> StartAsync(string topology)
    {
        switch (topology)
        {
            case "single":
                var data = Directory.CreateTempSubdirectory("dispatch-bench-").FullName;
                var server = await RedisServer.StartAsync(
                    RedisServer.FindBinary() ?? throw new InvalidOperationException("install redis-server"),
                    data
                );
                var single = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},allowAdmin=true");
                return new BenchStore(
                    "single redis-server",
                    server.ConnectionString,
                    0,
                    new Owned(async () =>
                    {
                        await server.DisposeAsync();
                        Directory.Delete(data, recursive: true);
                    }),
                    single
                );
            case "cluster":
                var cluster = new RedisClusterFixture();
                await cluster.InitializeAsync();
                var admin = await ConnectionMultiplexer.ConnectAsync($"{cluster.ConnectionString},allowAdmin=true");
                return new BenchStore(
                    "Redis Cluster 3+3, WAIT 1",
                    cluster.ConnectionString,
                    1,
                    new Owned(cluster.DisposeAsync),
                    admin
                );
            default:
                throw new ArgumentException($"topologies: '{topology}' is neither single nor cluster");
        }
    }

    /// <summary>Commands run so far by the primaries (INFO commandstats, without INFO and PING themselves).</summary>
    public async Task<long> CommandsAsync()
    {
        long total = 0;
        foreach (var endpoint in _admin.GetEndPoints())
        {
            var server = _admin.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
                continue;
            var info = await server.InfoAsync("commandstats");
            total += info.SelectMany(g => g)
                .Where(kv =>
                    kv.Key.StartsWith("cmdstat_", StringComparison.Ordinal)
                    && kv.Key is not ("cmdstat_info" or "cmdstat_ping")
                )
                .Sum(kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1]));
        }
        return total;
    }

    /// <summary>The reminders Orleans keeps for a service (its Redis reminder table's entries).</summary>
    public async Task<long> RemindersAsync(string serviceId) =>
        await _admin.GetDatabase().SortedSetLengthAsync($"{serviceId}/reminders");

    public async ValueTask DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _owner.DisposeAsync();
    }

    private sealed class Owned(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }
}
