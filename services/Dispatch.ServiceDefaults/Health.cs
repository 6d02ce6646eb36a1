using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Health for every Dispatch service: <c>/health/live</c> (the process answers), <c>/health/ready</c> (Redis
/// answers and the cluster has an active silo; for a silo, this one is active), <c>/health/startup</c> (the host
/// has started), and the same readiness as the gRPC health service (<c>grpc.health.v1</c>); gRPC reflection in
/// development.
/// </summary>
public static class Health
{
    private const string Ready = "ready";
    private const string Started = "startup";

    public static IHostApplicationBuilder AddDispatchHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<RedisHealth>("redis", tags: [Ready])
            .AddCheck<ClusterHealth>("cluster", tags: [Ready])
            .AddCheck<StartedHealth>("started", tags: [Started]);
        builder.Services.AddDispatchGrpc();
        builder.Services.AddGrpcHealthChecks(o => o.Services.Map("", check => check.Tags.Contains(Ready)));
        builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication MapDispatchHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready) });
        app.MapHealthChecks("/health/startup", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Started) });
        app.MapGrpcHealthChecksService();
        if (app.Environment.IsDevelopment()) app.MapGrpcReflectionService();
        return app;
    }

    private sealed class RedisHealth(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<IConnectionMultiplexer>() is not { } redis) return HealthCheckResult.Healthy("no Redis: in-memory state");
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

    private sealed class ClusterHealth(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<ILocalSiloDetails>() is not null && services.GetService<ISiloStatusOracle>() is { } oracle)
                return oracle.CurrentStatus == SiloStatus.Active
                    ? HealthCheckResult.Healthy("this silo is active in the cluster")
                    : HealthCheckResult.Unhealthy($"this silo is {oracle.CurrentStatus}");
            try
            {
                var hosts = await services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0)
                    .GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
                return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the cluster does not answer", e);
            }
        }
    }

    private sealed class StartedHealth(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("starting"));
    }
}
