using System.Diagnostics;
using Dispatch.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Silo;

public static class BoundedShutdown
{
    /// <summary>
    /// Runs the host, and makes sure that stopping it takes at most its shutdown timeout and a little more: a
    /// graceful stop writes to Redis (membership, deactivations), and with Redis gone those writes can take
    /// minutes. Past the bound the embedded redis-server is stopped and the process ends itself.
    /// </summary>
    public static async Task RunBoundedAsync(this IHost host)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var bound =
            host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout + TimeSpan.FromSeconds(5);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BoundedShutdown));
        lifetime.ApplicationStopping.Register(() =>
            _ = Task.Run(async () =>
            {
                await Task.Delay(bound);
                logger.LogError("Graceful shutdown did not finish within {Bound}; ending the process", bound);
                host.Services.GetService<DispatchStore>()?.Embedded?.Kill();
                Process.GetCurrentProcess().Kill();
            })
        );
        await host.RunAsync();
    }
}
