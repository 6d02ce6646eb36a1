using System.Security.Cryptography;
using Dispatch.Ingest;
using Dispatch.ServiceDefaults;
using Dispatch.Simulator;

// The embedded default: silo, ingest and a simulated city in one process, on this machine's own redis-server.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (string.IsNullOrEmpty(builder.Configuration["Ingest:AdminToken"]))
    builder.Configuration["Ingest:AdminToken"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
await builder.AddDispatchSiloAsync();
builder.AddDispatchIngest();
builder.AddCitySimulation();
var app = builder.Build();
app.MapDispatchIngest();
app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
    "Ingest (gRPC, HTTP/2) on port {Port}; device registry admin token: {Token}",
    builder.Configuration["Ingest:Port"], builder.Configuration["Ingest:AdminToken"]));
await app.RunBoundedAsync();
