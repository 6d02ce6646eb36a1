using Dispatch.Ingest;
using Dispatch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddDispatchClient();
builder.AddDispatchIngest();
var app = builder.Build();
app.MapDispatchIngest();
await app.RunAsync();
