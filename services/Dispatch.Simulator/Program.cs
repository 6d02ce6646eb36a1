using Dispatch.Domain;
using Dispatch.Simulator;
using Microsoft.Extensions.Configuration;

// dotnet run --project services/Dispatch.Simulator -- --AdminToken <token> [--Profile storm] [--Duration 00:01:00]
// [--Target http://127.0.0.1:5081]
var options = new ConfigurationBuilder().AddCommandLine(args).Build().Get<SimulatorOptions>() ?? new SimulatorOptions();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var simulation = new CitySimulation(options, CatalogLoader.Load(CatalogLoader.DefaultDirectory()), Console.Out);
await simulation.RunAsync(stop.Token);
return simulation.Tally.Errors == 0 ? 0 : 1;
