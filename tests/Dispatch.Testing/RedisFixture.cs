using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Tests;

/// <summary>A real redis-server on a free loopback port, in a temporary folder, for the whole test run.</summary>
public sealed class RedisFixture : TestStore
{
    /// <summary>
    /// The collection of the tests that share the run's redis-server. xunit wants each test assembly to declare it:
    /// <c>[CollectionDefinition(RedisFixture.Collection)] public sealed class RedisCollection :
    /// ICollectionFixture&lt;RedisFixture&gt;;</c>
    /// </summary>
    public const string Collection = "redis";

    private RedisServer? _server;
    private IConnectionMultiplexer? _connection;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dispatch-redis-").FullName;
    public RedisServer Server => _server ?? throw new InvalidOperationException("redis-server has not started");
    public override string ConnectionString => Server.ConnectionString;

    public override IConnectionMultiplexer Connection =>
        _connection ?? throw new InvalidOperationException("redis-server has not started");

    protected override async Task StartAsync()
    {
        var binary =
            RedisServer.FindBinary()
            ?? throw new InvalidOperationException(
                "redis-server is not installed; ./test.sh installs it (apt-get install redis-server)"
            );
        _server = await RedisServer.StartAsync(binary, Directory);
        _connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
    }

    protected override async Task StopAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
