using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
await builder.AddDispatchSiloAsync();
using var host = builder.Build();
await host.RunBoundedAsync();
