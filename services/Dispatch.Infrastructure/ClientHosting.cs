using Dispatch.Abstractions;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// An Orleans client of a Dispatch cluster (the ingest and API services are such clients): it finds the silos
/// through Redis clustering (<c>Redis:ConnectionString</c>, required: Dispatch keeps its state in Redis) and shares
/// that one Redis connection with the service's own stores.
/// </summary>
public static class ClientHosting
{
    public static IHostApplicationBuilder AddDispatchClient(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var (clusterId, serviceId) = ClusterIdentity.Read(configuration);
        var redisConnection = configuration["Redis:ConnectionString"] is { Length: > 0 } connection
            ? connection
            : throw new InvalidOperationException(
                "Redis:ConnectionString is empty: the services find the silos and keep their state in Redis; set it"
            );
        var redis = ConnectionMultiplexer.Connect(DispatchStore.FailFast(redisConnection, "dispatch-client"));
        builder.Services.AddDispatchStores(redis, configuration);
        builder.Services.AddClusterHealth();
        builder.UseOrleansClient(client =>
        {
            client.Services.AddDispatchSerialization();
            client.AddActivityPropagation();
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            client.UseRedisClustering(o =>
                (o.ConfigurationOptions, o.CreateMultiplexer) = (
                    DispatchStore.FailFast(redisConnection, "dispatch-client"),
                    _ => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true))
                )
            );
        });
        return builder;
    }
}

/// <summary>
/// The cluster a silo or client belongs to: <c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c> (which prefixes every
/// Redis key).
/// </summary>
public static class ClusterIdentity
{
    public static (string ClusterId, string ServiceId) Read(IConfiguration configuration) =>
        (configuration["Orleans:ClusterId"] ?? "dispatch", configuration["Orleans:ServiceId"] ?? "dispatch");
}
