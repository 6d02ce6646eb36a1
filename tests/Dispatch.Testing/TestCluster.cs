using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Tests;

/// <summary>
/// A Dispatch cluster of real silos on loopback, built exactly as the silo host builds itself
/// (<see cref="SiloHosting.AddDispatchSiloAsync"/>), on the test run's redis-server, under a service id of its own.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<IHost> _silos = [];
    private readonly Dictionary<string, string?> _settings;

    private TestCluster(Dictionary<string, string?> settings) => _settings = settings;

    public string ServiceId => _settings["Orleans:ServiceId"]!;
    public IReadOnlyList<IHost> Silos => _silos;
    public IGrainFactory Grains => Silo(0);

    public IGrainFactory Silo(int silo) => _silos[silo].Services.GetRequiredService<IGrainFactory>();

    public Catalog Catalog => _silos[0].Services.GetRequiredService<Catalog>();

    /// <summary>
    /// A cluster on <paramref name="store"/>, configured as production would be on that topology (see
    /// <see cref="TestStore.Settings"/>); <paramref name="extra"/> settings come on top.
    /// </summary>
    public static Task<TestCluster> StartAsync(
        TestStore store,
        int silos = 1,
        string? serviceId = null,
        string? catalogPath = null,
        IDictionary<string, string?>? extra = null
    ) => StartAsync(store.ConnectionString, silos, serviceId, catalogPath, store.SettingsWith(extra));

    public static async Task<TestCluster> StartAsync(
        string? redis,
        int silos = 1,
        string? serviceId = null,
        string? catalogPath = null,
        IDictionary<string, string?>? extra = null
    )
    {
        var settings = new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = redis,
            ["Redis:Embedded"] = "false",
            ["Orleans:ServiceId"] = serviceId ?? $"test-{Guid.NewGuid():N}"[..17],
            ["Orleans:ClusterId"] = "test",
            ["Orleans:MinimumReminderPeriod"] = "00:00:01",
            ["Orleans:RefreshReminderListPeriod"] = "00:00:01",
            ["Orleans:ShutdownTimeout"] = "00:00:10",
            ["Deadlines:ReminderPeriod"] = "00:00:01",
            ["Deadlines:SweepInterval"] = "00:00:00.200",
            ["Catalog:Path"] = catalogPath,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            settings[key] = value;
        var cluster = new TestCluster(settings);
        for (var i = 0; i < silos; i++)
            await cluster.AddSiloAsync();
        return cluster;
    }

    public async Task<IHost> AddSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Orleans:SiloPort"] = RedisServer.FreePort().ToString(),
                ["Orleans:GatewayPort"] = RedisServer.FreePort().ToString(),
            }
        );
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await builder.AddDispatchSiloAsync();
        var host = builder.Build();
        await host.StartAsync();
        _silos.Add(host);
        return host;
    }

    /// <summary>
    /// Stops every silo gracefully; the same service id can then start a new cluster on the same Redis.
    /// </summary>
    public async Task StopAsync()
    {
        foreach (var silo in _silos.AsEnumerable().Reverse())
        {
            await silo.StopAsync();
            silo.Dispose();
        }
        _silos.Clear();
    }

    public async Task<TestCluster> RestartAsync(int silos = 1)
    {
        await StopAsync();
        var next = new TestCluster(_settings);
        for (var i = 0; i < silos; i++)
            await next.AddSiloAsync();
        return next;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
