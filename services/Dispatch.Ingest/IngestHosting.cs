using Dispatch.Infrastructure;
using Dispatch.Ingest.Auth;
using Dispatch.Ingest.Services;
using Dispatch.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.Ingest;

/// <summary>The ingest front door, for whichever host runs it: its own process, or the embedded all-in-one.</summary>
public static class IngestHosting
{
    public static WebApplicationBuilder AddDispatchIngest(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Ingest");
        builder.Services.Configure<IngestOptions>(section);
        var options = section.Get<IngestOptions>() ?? new IngestOptions();
        builder.ListenDispatch(
            "Ingest",
            loopbackByDefault: false,
            Endpoints.Public(options.Port, HttpProtocols.Http2),
            Endpoints.Probes(options.HttpPort)
        );
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RecentAnswers>();
        builder.Services.AddSingleton<INonces, RedisNonces>();
        builder.Services.AddGatewayAuthentication();
        // Options per service, not global: in the embedded all-in-one the API's services share this server.
        void Ingest(Grpc.AspNetCore.Server.GrpcServiceOptions grpc)
        {
            // Our own limit (IngestOptions.MaxAlertBytes) rejects one alert by name; this one only guards the server.
            grpc.MaxReceiveMessageSize = Math.Max(options.MaxAlertBytes * 4, 1024 * 1024);
            grpc.EnableDetailedErrors = builder.Environment.IsDevelopment();
        }
        // Registrations are people's input: every field length-limited and free of control characters. Alerts are
        // checked by the ingest itself, one by one, so that a bad alert is rejected by name and the stream goes on.
        builder.Services.TryAddSingleton(new InputLimits());
        builder
            .Services.AddDispatchGrpc()
            .AddServiceOptions<AlertIngestService>(Ingest)
            .AddServiceOptions<DeviceRegistryService>(grpc =>
            {
                Ingest(grpc);
                grpc.Interceptors.Add<InputLimitsInterceptor>();
            });
        return builder;
    }

    public static WebApplication MapDispatchIngest(this WebApplication app)
    {
        app.MapGrpcService<AlertIngestService>();
        app.MapGrpcService<DeviceRegistryService>();
        return app;
    }
}
