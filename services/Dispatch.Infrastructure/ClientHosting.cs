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
/// through Redis clustering when <c>Redis:ConnectionString</c> is set, and then shares that one Redis connection
/// with the service's own stores; without it, it finds the silo through the local gateway port.
/// </summary>
public static class ClientHosting
{
    public static IHostApplicationBuilder AddDispatchClient(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var (clusterId, serviceId) = ClusterIdentity.Read(configuration);
        var redisConnection = configuration["Redis:ConnectionString"];
        IConnectionMultiplexer? redis = null;
        if (redisConnection is { Length: > 0 })
        {
            redis = ConnectionMultiplexer.Connect(DispatchStore.FailFast(redisConnection, "dispatch-client"));
            builder.Services.AddDispatchStores(redis, configuration);
        }
        builder.Services.AddClusterHealth();
        builder.UseOrleansClient(client =>
        {
            client.Services.AddDispatchSerialization();
            client.AddActivityPropagation();
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            if (redis is not null)
                client.UseRedisClustering(o => (o.ConfigurationOptions, o.CreateMultiplexer) =
                    (DispatchStore.FailFast(redisConnection!, "dispatch-client"),
                        _ => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true))));
            else
                client.UseLocalhostClustering(configuration.GetValue("Orleans:GatewayPort", 30000), serviceId, clusterId);
        });
        return builder;
    }
}

/// <summary>The cluster a silo or client belongs to: <c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c> (which prefixes every Redis key).</summary>
public static class ClusterIdentity
{
    public static (string ClusterId, string ServiceId) Read(IConfiguration configuration) =>
        (configuration["Orleans:ClusterId"] ?? "dispatch", configuration["Orleans:ServiceId"] ?? "dispatch");
}
