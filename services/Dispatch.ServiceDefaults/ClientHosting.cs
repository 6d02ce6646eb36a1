using Dispatch.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// An Orleans client of a Dispatch cluster (the ingest and API services are such clients): it finds the silos
/// through Redis clustering when <c>Redis:ConnectionString</c> is set, else through the local gateway port.
/// </summary>
public static class ClientHosting
{
    public static IHostApplicationBuilder AddDispatchClient(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var (clusterId, serviceId) = ClusterIdentity.Read(configuration);
        builder.UseOrleansClient(client =>
        {
            client.Services.AddDispatchSerialization();
            if (configuration["Redis:ConnectionString"] is { Length: > 0 } redis)
            {
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
                client.UseRedisClustering(o => o.ConfigurationOptions = DispatchStore.FailFast(redis, "dispatch-client"));
            }
            else
            {
                client.UseLocalhostClustering(configuration.GetValue("Orleans:GatewayPort", 30000), serviceId, clusterId);
            }
        });
        return builder;
    }
}
