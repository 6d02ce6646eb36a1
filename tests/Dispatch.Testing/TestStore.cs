using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Tests;

/// <summary>
/// The Redis the tests run on, whatever its topology: one redis-server (<see cref="RedisFixture"/>) or a Redis
/// Cluster of primaries and replicas (<see cref="RedisClusterFixture"/>). A test class written against it is
/// abstract; one derived class per topology sits in that fixture's collection, so that a test's name says which
/// topology it ran on (<c>…OnRedisServer</c>, <c>…OnRedisCluster</c>). The store lives for the whole run of its
/// test assembly and is shared by the tests of its collection.
/// </summary>
public abstract class TestStore : IAsyncLifetime
{
    private Task<TestCluster>? _shared;
    private readonly Dictionary<string, Task<IAsyncDisposable>> _resources = [];

    /// <summary>How a client finds the store: one address, or every node of a cluster.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>
    /// A client of the whole store, for tests to read what the system stored. On a cluster it routes each key to the
    /// primary serving the key's slot; a command over many keys must keep them in one slot.
    /// </summary>
    public abstract IConnectionMultiplexer Connection { get; }

    /// <summary>
    /// How many replicas confirm a write before it is acknowledged (<c>Store:WaitForReplicas</c>): 0 where there
    /// are none to wait for.
    /// </summary>
    public virtual int WaitForReplicas => 0;

    /// <summary>How long a write waits for its replicas (<c>Store:ReplicaTimeout</c>).</summary>
    public virtual TimeSpan ReplicaTimeout => TimeSpan.FromMilliseconds(500);

    /// <summary>What the hosts of the system (silos, ingest, API) are configured with to run on this store.</summary>
    public IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = ConnectionString,
            ["Store:WaitForReplicas"] = WaitForReplicas.ToString(),
            ["Store:ReplicaTimeout"] = ReplicaTimeout.ToString("c"),
        };

    /// <summary><see cref="Settings"/> with <paramref name="extra"/> on top (a test's own settings win).</summary>
    public IDictionary<string, string?> SettingsWith(IDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            settings[key] = value;
        return settings;
    }

    /// <summary><see cref="Settings"/> as the command-line arguments of a service started as a process.</summary>
    public IEnumerable<string> Arguments => Settings.Select(s => $"--{s.Key}={s.Value}");

    /// <summary>The acknowledgement for a store a test builds itself, as the hosts are configured.</summary>
    public ReplicaAcknowledgement Acknowledgement() => new(Connection, WaitForReplicas, ReplicaTimeout);

    /// <summary>One two-silo cluster for the tests that neither restart nor break it.</summary>
    public Task<TestCluster> SharedCluster() => _shared ??= TestCluster.StartAsync(this, silos: 2);

    /// <summary>
    /// Something several tests share (a service on the shared cluster), made once and disposed before the cluster.
    /// </summary>
    public async Task<T> Shared<T>(string key, Func<Task<T>> create)
        where T : IAsyncDisposable
    {
        lock (_resources)
            if (!_resources.ContainsKey(key))
                _resources[key] = Create();
        return (T)await _resources[key];

        async Task<IAsyncDisposable> Create() => await create();
    }

    /// <summary>Starts the store's processes and connects <see cref="Connection"/>.</summary>
    protected abstract Task StartAsync();

    /// <summary>Closes the connection and stops the store's processes, once nothing runs on them any more.</summary>
    protected abstract Task StopAsync();

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var resource in _resources.Values)
            await (await resource).DisposeAsync();
        if (_shared is not null)
            await (await _shared).DisposeAsync();
        await StopAsync();
    }
}
