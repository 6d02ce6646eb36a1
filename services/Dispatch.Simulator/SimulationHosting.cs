using Dispatch.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Simulator;

/// <summary>Runs the simulated city inside a host (the embedded default), once the host has started.</summary>
public static class SimulationHosting
{
    public static IHostApplicationBuilder AddCitySimulation(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Simulator");
        if (!section.GetValue("Enabled", false))
            return builder;
        var options = section.Get<SimulatorOptions>() ?? new SimulatorOptions();
        if (string.IsNullOrEmpty(options.AdminToken))
            options.AdminToken = builder.Configuration["Ingest:AdminToken"] ?? "";
        builder.Services.AddHostedService(sp => new SimulationService(
            options,
            sp.GetRequiredService<Catalog>(),
            sp.GetRequiredService<IHostApplicationLifetime>()
        ));
        return builder;
    }

    private sealed class SimulationService(SimulatorOptions options, Catalog catalog, IHostApplicationLifetime lifetime)
        : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var started = new TaskCompletionSource();
            using var _ = lifetime.ApplicationStarted.Register(started.SetResult);
            await started.Task.WaitAsync(stoppingToken);
            // Stop as soon as the application starts stopping, so that the gateways' streams end before the server
            // waits for them.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(
                stoppingToken,
                lifetime.ApplicationStopping
            );
            try
            {
                await new CitySimulation(options, catalog, Console.Out).RunAsync(stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // the host is stopping
            }
        }
    }
}
