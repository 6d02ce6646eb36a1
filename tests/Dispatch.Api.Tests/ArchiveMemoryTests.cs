using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>
/// The API on a redis-server of its own with a small maxmemory (noeviction): at the limit a call gets UNAVAILABLE that
/// says the store is full, readiness is degraded, and nothing acknowledged before is lost.
/// </summary>
public sealed class ArchiveMemoryTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-full-").FullName;
    private RedisServer _server = null!;
    private IConnectionMultiplexer _redis = null!;
    private TestCluster _cluster = null!;
    private ApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(
            RedisServer.FindBinary()!,
            Path.Combine(_folder, "redis"),
            maxMemory: "48mb"
        );
        _redis = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        _cluster = await TestCluster.StartAsync(_server.ConnectionString);
        _api = await ApiServer.StartAsync(
            _cluster,
            _server.ConnectionString,
            new Dictionary<string, string?> { ["Blobs:Directory"] = Path.Combine(_folder, "blobs") }
        );
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task At_maxmemory_a_call_gets_unavailable_saying_the_store_is_full_and_nothing_acknowledged_is_lost()
    {
        var office = new Office(_api);
        var acknowledged = new Dictionary<string, string>();
        foreach (var state in new[] { "Reported", "Filed", "Dispatched", "Closed" })
            acknowledged[await office.InStateAsync(state)] = state;
        var dispatcher = await _api.UserAsync("dispatcher");

        // Something else fills Redis up to its limit: in large pieces, then small ones, so that it stays there.
        var db = _redis.GetDatabase();
        var n = 0;
        foreach (var size in new[] { 256 * 1024, 1024 })
            await Assert.ThrowsAsync<RedisServerException>(async () =>
            {
                while (true)
                    await db.StringSetAsync($"filler:{n++}", new byte[size]);
            });

        var refused = await FailsAsync(() =>
            dispatcher
                .Cases.ReportIncidentAsync(
                    new ReportIncidentRequest
                    {
                        CommandId = Id(),
                        Type = "SHOP_BIN_OVERFLOW",
                        Channel = "Hotline",
                        Street = "CSL",
                        Description = "bins",
                        Location = new GeoPoint { Lat = 31.2412, Lon = 121.4412 },
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("the store is full:", refused.Status.Detail);
        Assert.Contains("maxmemory", refused.Status.Detail);
        Assert.Contains("nothing of this call was acknowledged", refused.Status.Detail);
        var health = await _api
            .Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(c => c.Name == "store-memory");
        Assert.Equal(HealthStatus.Degraded, health.Status);

        // Memory freed: every incident acknowledged before is there as it was, and calls are taken again.
        await db.KeyDeleteAsync([.. Enumerable.Range(0, n).Select(i => (RedisKey)$"filler:{i}")]);
        foreach (var (number, state) in acknowledged)
            Assert.Equal(
                state,
                (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary.State
            );
        Assert.NotEmpty(
            (
                await dispatcher.Cases.ReportIncidentAsync(
                    new ReportIncidentRequest
                    {
                        CommandId = Id(),
                        Type = "SHOP_BIN_OVERFLOW",
                        Channel = "Hotline",
                        Street = "CSL",
                        Description = "bins",
                        Location = new GeoPoint { Lat = 31.2412, Lon = 121.4412 },
                    }
                )
            ).Number
        );
        Assert.Equal(
            HealthStatus.Healthy,
            (
                await _api
                    .Services.GetRequiredService<HealthCheckService>()
                    .CheckHealthAsync(c => c.Name == "store-memory")
            ).Status
        );
    }
}
