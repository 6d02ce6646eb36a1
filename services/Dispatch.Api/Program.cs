using Dispatch.Api;
using Dispatch.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddDispatchClient();
builder.AddDispatchApi();
var app = builder.Build();
app.MapDispatchApi();
await app.RunAsync();
