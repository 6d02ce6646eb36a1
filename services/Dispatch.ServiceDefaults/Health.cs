using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Health for every Dispatch service: <c>/health/live</c> (the process answers), <c>/health/ready</c> (the checks
/// tagged <see cref="ReadyTag"/>, which each host adds for what it stands on: the store, the cluster, this silo),
/// <c>/health/startup</c> (the host has started), and the same readiness as the gRPC health service
/// (<c>grpc.health.v1</c>); gRPC reflection in development.
/// </summary>
public static class Health
{
    /// <summary>The tag of the checks that decide readiness.</summary>
    public const string ReadyTag = "ready";
    private const string StartedTag = "startup";

    public static IHostApplicationBuilder AddDispatchHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<StartedHealth>("started", tags: [StartedTag]);
        builder.Services.AddDispatchGrpc();
        builder.Services.AddGrpcHealthChecks(o => o.Services.Map("", check => check.Tags.Contains(ReadyTag)));
        builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication MapDispatchHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        app.MapHealthChecks("/health/startup", new HealthCheckOptions { Predicate = c => c.Tags.Contains(StartedTag) });
        app.MapGrpcHealthChecksService();
        if (app.Environment.IsDevelopment())
            app.MapGrpcReflectionService();
        return app;
    }

    private sealed class StartedHealth(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(
            HealthCheckContext context,
            CancellationToken cancellationToken = default
        ) =>
            Task.FromResult(
                lifetime.ApplicationStarted.IsCancellationRequested
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("starting")
            );
    }
}
