using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// The store as every host that uses Redis registers it: the one shared connection, the key space of the
/// deployment, its partitions and replica acknowledgements (section <c>Store</c>), the stores, the outage classifier,
/// a readiness check and the Redis spans in the traces.
/// </summary>
public static class StoreHosting
{
    public static IServiceCollection AddDispatchStores(
        this IServiceCollection services,
        IConnectionMultiplexer redis,
        IConfiguration configuration
    )
    {
        var (_, serviceId) = ClusterIdentity.Read(configuration);
        var store = configuration.GetSection("Store");
        var partitions = new Partitions(store.GetValue("Partitions", Partitions.Default));
        var keys = new KeySpace(serviceId);
        services.AddSingleton(redis);
        services.AddSingleton(keys);
        services.AddSingleton(partitions);
        services.AddSingleton(
            new ReplicaAcknowledgement(
                redis,
                store.GetValue("WaitForReplicas", 0),
                store.GetValue("ReplicaTimeout", TimeSpan.FromMilliseconds(500))
            )
        );
        services.AddSingleton<IIncidentStore, RedisIncidentStore>();
        services.AddSingleton<IncidentEventStream>();
        services.AddSingleton<RedisAlertJournal>();
        services.AddSingleton<IAlertJournal>(sp => sp.GetRequiredService<RedisAlertJournal>());
        services.AddSingleton<IAlertRecordStream>(sp => sp.GetRequiredService<RedisAlertJournal>());
        services.AddSingleton<IIncidentNumbers, RedisIncidentNumbers>();
        services.AddSingleton<GatewayRegistry>();
        services.AddHostedService(_ => new PartitionGuard(redis, keys, partitions));
        services.AddOutageClassifier();
        services.AddHealthChecks().AddCheck<RedisHealth>("redis", tags: [Health.ReadyTag]);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation());
        return services;
    }

    /// <summary>Store and cluster failures count as outages (see <see cref="StoreOutage"/>).</summary>
    public static IServiceCollection AddOutageClassifier(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutageClassifier, StoreOutage>());
        return services;
    }

    /// <summary>Readiness of a client: the cluster has an active silo.</summary>
    public static IServiceCollection AddClusterHealth(this IServiceCollection services)
    {
        services.AddOutageClassifier();
        services.AddHealthChecks().AddCheck<ClusterHealth>("cluster", tags: [Health.ReadyTag]);
        return services;
    }

    /// <summary>
    /// Records the partition count the deployment's data was written with, and refuses to run with another: an
    /// incident's partition comes from its number and the count, so a changed count would lose sight of every incident.
    /// </summary>
    private sealed class PartitionGuard(IConnectionMultiplexer redis, KeySpace keys, Partitions partitions)
        : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var key = keys.Shared("partitions");
            var db = redis.GetDatabase();
            var stored = await db.StringSetAndGetAsync(key, partitions.Count, when: When.NotExists);
            if (!stored.IsNull && (int)stored != partitions.Count)
                throw new InvalidOperationException(
                    $"Store:Partitions is {partitions.Count}, "
                        + $"but the data in this Redis was written with {(int)stored} partitions; "
                        + $"set Store:Partitions={(int)stored}"
                );
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RedisHealth(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(
            HealthCheckContext context,
            CancellationToken cancellationToken = default
        )
        {
            try
            {
                var latency = await redis
                    .GetDatabase()
                    .PingAsync()
                    .WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer", e);
            }
        }
    }

    private sealed class ClusterHealth(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(
            HealthCheckContext context,
            CancellationToken cancellationToken = default
        )
        {
            try
            {
                var hosts = await grains
                    .GetGrain<IManagementGrain>(0)
                    .GetHosts(onlyActive: true)
                    .WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
                return hosts.Count > 0
                    ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                    : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the cluster does not answer", e);
            }
        }
    }
}
