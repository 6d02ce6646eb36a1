using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using StackExchange.Redis;

namespace Dispatch.Tests;

/// <summary>A real redis-server on a free loopback port, in a temporary folder, for the whole test run.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    /// <summary>
    /// The collection of the tests that share the run's redis-server. xunit wants each test assembly to declare it:
    /// <c>[CollectionDefinition(RedisFixture.Collection)] public sealed class RedisCollection : ICollectionFixture&lt;RedisFixture&gt;;</c>
    /// </summary>
    public const string Collection = "redis";

    private RedisServer? _server;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dispatch-redis-").FullName;
    public RedisServer Server => _server ?? throw new InvalidOperationException("redis-server has not started");
    public string ConnectionString => Server.ConnectionString;
    public IConnectionMultiplexer Connection { get; private set; } = null!;

    private Task<TestCluster>? _shared;
    private readonly Dictionary<string, Task<IAsyncDisposable>> _resources = [];

    /// <summary>One two-silo cluster for the tests that neither restart nor break it.</summary>
    public Task<TestCluster> SharedCluster() => _shared ??= TestCluster.StartAsync(ConnectionString, silos: 2);

    /// <summary>Something several tests share (a service on the shared cluster), made once and disposed before the cluster.</summary>
    public async Task<T> Shared<T>(string key, Func<Task<T>> create) where T : IAsyncDisposable
    {
        lock (_resources)
            if (!_resources.ContainsKey(key)) _resources[key] = Create();
        return (T)await _resources[key];

        async Task<IAsyncDisposable> Create() => await create();
    }

    public async Task InitializeAsync()
    {
        var binary = RedisServer.FindBinary()
            ?? throw new InvalidOperationException("redis-server is not installed; ./test.sh installs it (apt-get install redis-server)");
        _server = await RedisServer.StartAsync(binary, Directory);
        Connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        foreach (var resource in _resources.Values) await (await resource).DisposeAsync();
        if (_shared is not null) await (await _shared).DisposeAsync();
        await Connection.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
