using Dispatch.ServiceDefaults;
using Dispatch.Silo;

// A silo of the cluster, with health and metrics on an HTTP port of its own (Silo:HttpPort).
var builder = WebApplication.CreateBuilder(
    new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory }
);
await builder.AddDispatchSiloAsync();
builder.AddDispatchTelemetry("dispatch-silo").AddDispatchHealth();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(builder.Configuration.GetValue("Silo:HttpPort", 5083)));
var app = builder.Build();
app.MapDispatchHealth();
app.MapDispatchTelemetry();
app.MapDispatchDashboard();
await app.RunBoundedAsync();
