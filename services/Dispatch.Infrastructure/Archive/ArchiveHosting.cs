using Dispatch.Domain;
using Dispatch.Infrastructure.Blobs;
using Dispatch.ServiceDefaults;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// The archive as a host registers it (section <c>Archive</c>, see <see cref="ArchiveOptions"/>; the blob store,
/// section
/// <c>Blobs</c>): the lookups (<see cref="IArchive"/>, <see cref="AuditFacts"/>), the evidence store on the blob store
/// and its one-time migration, the archiver and the retention (when <c>Archive:Enabled</c>), and the memory alarm.
/// The API process runs it; it needs the store (<see cref="StoreHosting.AddDispatchStores"/>), the catalog, the
/// lifecycle and the read model.
/// </summary>
public static class ArchiveHosting
{
    public static IServiceCollection AddDispatchArchive(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Archive").Get<ArchiveOptions>() ?? new ArchiveOptions();
        if (options.Problem() is { } problem)
            throw new InvalidOperationException(problem);
        services.AddSingleton(options);
        services.AddDispatchBlobs(configuration);
        services.AddSingleton(sp =>
            ArchiveSources.For(
                sp.GetRequiredService<KeySpace>(),
                sp.GetRequiredService<Partitions>(),
                options,
                sp.GetRequiredService<Catalog>()
            )
        );
        services.AddSingleton<IncidentArchive>();
        services.AddSingleton<IArchive>(sp => sp.GetRequiredService<IncidentArchive>());
        services.AddSingleton<AuditFacts>();
        services.TryAddSingleton<EvidenceStore>();
        services.AddSingleton<EvidenceMigration>();
        services.AddHostedService(sp => sp.GetRequiredService<EvidenceMigration>());
        services.AddSingleton<StreamArchiver>();
        services.AddSingleton<ArchiveRetention>();
        if (options.Enabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<StreamArchiver>());
            services.AddHostedService(sp => sp.GetRequiredService<ArchiveRetention>());
        }
        return services.AddStoreMemoryAlarm(configuration);
    }

    /// <summary>
    /// The memory alarm alone, for any host on the store: readiness degraded and a warning from 80 % of maxmemory, the
    /// metric, and UNAVAILABLE calls that say when the store is full. <c>Redis:MemoryCheckInterval</c> (default 15 s).
    /// </summary>
    public static IServiceCollection AddStoreMemoryAlarm(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(StoreMemory)))
            return services;
        var interval = configuration.GetValue("Redis:MemoryCheckInterval", TimeSpan.FromSeconds(15));
        services.AddSingleton(sp => new StoreMemory(
            sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            interval,
            sp.GetRequiredService<ILogger<StoreMemory>>()
        ));
        services.AddHostedService(sp => sp.GetRequiredService<StoreMemory>());
        services.AddHealthChecks().AddCheck<StoreMemoryHealth>("store-memory", tags: [Health.ReadyTag]);
        services.Configure<GrpcServiceOptions>(o =>
        {
            if (!o.Interceptors.Any(i => i.Type == typeof(StoreMemoryInterceptor)))
                o.Interceptors.Add<StoreMemoryInterceptor>();
        });
        return services;
    }
}
