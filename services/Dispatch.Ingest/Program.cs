using Dispatch.Infrastructure;
using Dispatch.Ingest;
using Dispatch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddDispatchClient();
builder.AddDispatchIngest();
builder.AddDispatchTelemetry("dispatch-ingest").AddDispatchHealth();
var app = builder.Build();
app.MapDispatchIngest();
app.MapDispatchHealth();
app.MapDispatchTelemetry();
await app.RunAsync();
