using Dispatch.Api;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddDispatchClient();
builder.AddDispatchApi();
builder.AddDispatchTelemetry("dispatch-api").AddDispatchHealth();
var app = builder.Build();
app.MapDispatchApi();
app.MapDispatchHealth();
app.MapDispatchTelemetry();
await app.RunAsync();
