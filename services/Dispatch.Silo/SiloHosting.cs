using System.Net;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Grains;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using StackExchange.Redis;

namespace Dispatch.Silo;

/// <summary>
/// Everything a Dispatch silo needs, read from configuration: the catalog, the store (Redis: external, or the
/// embedded redis-server), Orleans clustering, grain storage and reminders on that store, the grains' own services,
/// and the deadline sweepers of every partition. The silo host, the embedded default and the tests build silos
/// through this one method.
/// </summary>
public static class SiloHosting
{
    private const string RedisGrainStorage = "dispatch-redis";

    public static async Task<DispatchStore> AddDispatchSiloAsync(
        this IHostApplicationBuilder builder,
        CancellationToken cancellationToken = default
    )
    {
        var configuration = builder.Configuration;
        var catalogFolder = configuration["Catalog:Path"] is { Length: > 0 } path
            ? path
            : CatalogLoader.DefaultDirectory();
        var catalog = CatalogLoader.Load(catalogFolder);
        var roster = RosterLoader.Load(catalogFolder, catalog);
        var store = await DispatchStore.OpenAsync(configuration, "dispatch-silo", cancellationToken);
        var cluster = configuration.GetSection("Orleans");
        var (clusterId, serviceId) = ClusterIdentity.Read(configuration);
        var siloPort = cluster.GetValue("SiloPort", 11111);
        var gatewayPort = cluster.GetValue("GatewayPort", 30000);
        var advertised = AdvertisedAddress(cluster["AdvertisedIPAddress"]);

        var services = builder.Services;
        services.AddSingleton(store);
        // registered before Orleans, so it stops after the silo
        services.AddHostedService(_ => new StoreShutdown(store));
        services.AddSingleton(catalog);
        services.AddSingleton(new Lifecycle(catalog));
        services.AddSingleton(new AlertDecider(catalog));
        services.AddSingleton(roster);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IncidentIntake>();
        services.AddSingleton<Correlation>();
        services.Configure<DeadlineOptions>(configuration.GetSection("Deadlines"));
        services.Configure<HostOptions>(o =>
            o.ShutdownTimeout = cluster.GetValue("ShutdownTimeout", TimeSpan.FromSeconds(15))
        );
        services.AddHostedService(sp => new StartupBanner(
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<StartupBanner>>(),
            $"Dispatch silo up: cluster {clusterId}/{serviceId}, silo {advertised}:{siloPort}, "
                + $"gateway {advertised}:{gatewayPort}, "
                + $"catalog {catalog.Version} ({catalog.Scenarios.Count()} scenarios, "
                + $"{catalog.Types.Count()} incident types); state: {store.Description}"
        ));

        services.AddHealthChecks().AddCheck<SiloHealth>("silo", tags: [Health.ReadyTag]);
        services.AddOutageClassifier();
        services.AddDispatchStores(store.Redis, configuration);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            silo.AddActivityPropagation();
            silo.AddIncomingGrainCallFilter<StoreOutageCallFilter>();
            // The dashboard profiles every grain call, so it is on only where an administrator asked for it.
            if (Dashboard.AdminToken(configuration) is not null)
                Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo);
            // How fast a dead silo is noticed (probe timeout, missed probes, votes): Orleans' defaults unless set.
            silo.Services.Configure<ClusterMembershipOptions>(cluster.GetSection("Membership"));
            // On Kubernetes, Orleans watches the pods: a silo whose pod is gone is declared dead at once.
            if (cluster.GetValue("Kubernetes", false))
                silo.UseKubernetesHosting();
            silo.Configure<ReminderOptions>(o =>
                (o.MinimumReminderPeriod, o.RefreshReminderListPeriod) = (
                    cluster.GetValue("MinimumReminderPeriod", o.MinimumReminderPeriod),
                    cluster.GetValue("RefreshReminderListPeriod", o.RefreshReminderListPeriod)
                )
            );
            silo.Services.AddDispatchSerialization();
            var serializer = new JsonGrainStorageSerializer(DispatchSerialization.Json);
            var options = store.Options;
            Task<(IConnectionMultiplexer, bool)> Shared<T>(T _) =>
                Task.FromResult<(IConnectionMultiplexer, bool)>((store.Redis, true));
            silo.ConfigureEndpoints(
                advertised,
                siloPort,
                gatewayPort,
                listenOnAnyHostAddress: cluster.GetValue("ListenOnAnyHostAddress", false)
            );
            silo.UseRedisClustering(o => (o.ConfigurationOptions, o.CreateMultiplexer) = (options, Shared));
            // Orleans' Redis storage under a name of its own, and the grains' storage a wrapper that tells outages as
            // such.
            silo.AddRedisGrainStorage(
                RedisGrainStorage,
                o =>
                    (o.ConfigurationOptions, o.CreateMultiplexer, o.GrainStorageSerializer) = (
                        options,
                        Shared,
                        serializer
                    )
            );
            silo.Services.AddKeyedSingleton<IGrainStorage>(
                DispatchStorage.Name,
                (sp, _) => new OutageAwareGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(RedisGrainStorage))
            );
            silo.UseRedisReminderService(o => (o.ConfigurationOptions, o.CreateMultiplexer) = (options, Shared));
            // Every silo makes sure each partition's deadline sweeper runs; the sweepers' reminders keep them running.
            silo.AddStartupTask(
                async (services, _) =>
                {
                    var grains = services.GetRequiredService<IGrainFactory>();
                    await Task.WhenAll(
                        services
                            .GetRequiredService<Partitions>()
                            .All.Select(p => grains.GetGrain<IDeadlineSweeperGrain>(p).StartAsync())
                    );
                }
            );
        });
        return store;
    }

    /// <summary>
    /// The address other silos and clients reach this one at: as configured, or with <c>auto</c> this host's first IPv4
    /// address.
    /// </summary>
    private static IPAddress AdvertisedAddress(string? configured) =>
        configured is null or "" ? IPAddress.Loopback
        : configured == "auto"
            ? Dns.GetHostAddresses(Dns.GetHostName())
                .FirstOrDefault(a =>
                    a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)
                )
                ?? IPAddress.Loopback
        : IPAddress.Parse(configured);
}

/// <summary>Closes the Redis connection and stops the embedded redis-server once everything else has stopped.</summary>
internal sealed class StoreShutdown(DispatchStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync();
}

/// <summary>Says, once the silo is up, where it listens and where its state lives.</summary>
internal sealed class StartupBanner(IHostApplicationLifetime lifetime, ILogger<StartupBanner> logger, string banner)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => logger.LogInformation("{Banner}", banner));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Readiness of a silo: it is active in the cluster.</summary>
internal sealed class SiloHealth(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context,
        CancellationToken cancellationToken = default
    ) =>
        Task.FromResult(
            oracle.CurrentStatus == SiloStatus.Active
                ? HealthCheckResult.Healthy("this silo is active in the cluster")
                : HealthCheckResult.Unhealthy($"this silo is {oracle.CurrentStatus}")
        );
}
