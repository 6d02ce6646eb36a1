using System.Security.Cryptography;
using Dispatch.Api;
using Dispatch.Ingest;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using Dispatch.Simulator;

// The embedded default: silo, ingest, the case/field/audit API and a simulated city in one process, on this
// machine's own redis-server.
var builder = WebApplication.CreateBuilder(
    new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory }
);
if (string.IsNullOrEmpty(builder.Configuration["Ingest:AdminToken"]))
    builder.Configuration["Ingest:AdminToken"] = Convert
        .ToHexString(RandomNumberGenerator.GetBytes(16))
        .ToLowerInvariant();
await builder.AddDispatchSiloAsync();
builder.AddDispatchIngest();
builder.AddDispatchApi();
builder.AddCitySimulation();
builder.AddDispatchTelemetry("dispatch-local").AddDispatchHealth();
var app = builder.Build();
app.MapDispatchIngest();
app.MapDispatchApi();
app.MapDispatchHealth();
app.MapDispatchTelemetry();
app.Lifetime.ApplicationStarted.Register(() =>
{
    app.Logger.LogInformation(
        "Ingest (gRPC, HTTP/2) on port {Port}; device registry admin token: {Token}",
        builder.Configuration["Ingest:Port"],
        builder.Configuration["Ingest:AdminToken"]
    );
    app.Logger.LogInformation(
        "API: gRPC (HTTP/2) on port {Grpc}, JSON and Open311 on http://127.0.0.1:{Http}; "
            + "demo users in the README (password 'dispatch')",
        builder.Configuration["Api:GrpcPort"],
        builder.Configuration["Api:HttpPort"]
    );
});
await app.RunBoundedAsync();
