using Dispatch.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// The store as every host that uses Redis registers it: the one shared connection, the key space of the
/// deployment, the outage classifier, a readiness check and the Redis spans in the traces.
/// </summary>
public static class StoreHosting
{
    public static IServiceCollection AddDispatchStores(this IServiceCollection services, IConnectionMultiplexer redis, string serviceId)
    {
        services.AddSingleton(redis);
        services.AddSingleton(new KeySpace(serviceId));
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

    private sealed class RedisHealth(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
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
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                    .WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
                return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the cluster does not answer", e);
            }
        }
    }
}
