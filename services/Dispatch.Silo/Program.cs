using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
await builder.AddDispatchSiloAsync();
using var host = builder.Build();
await host.RunBoundedAsync();
