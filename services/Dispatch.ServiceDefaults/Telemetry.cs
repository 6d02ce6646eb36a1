using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// OpenTelemetry for every Dispatch service, in one place: traces through gRPC, HTTP, grain calls (Orleans'
/// activity sources, propagated by <c>AddActivityPropagation</c>) and the store (added by the store's wiring); the
/// Orleans meter and Dispatch's own; logs that carry the trace id. OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set,
/// otherwise a Prometheus scraping endpoint at <c>/metrics</c>.
/// </summary>
public static class Telemetry
{
    /// <summary>Dispatch's own activity sources and meters, and Orleans'.</summary>
    public static readonly string[] Sources =
    [
        "Dispatch.Api",
        "Dispatch.ReadModel",
        "Dispatch.Notifications",
        "Microsoft.Orleans.Runtime",
        "Microsoft.Orleans.Application",
    ];
    public static readonly string[] Meters =
    [
        "Dispatch.Ingest",
        "Dispatch.Grains",
        "Dispatch.Store",
        "Dispatch.Notifications",
        "Microsoft.Orleans",
    ];

    public static bool UsesOtlp =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    public static IHostApplicationBuilder AddDispatchTelemetry(this IHostApplicationBuilder builder, string service)
    {
        // Every log line written inside a trace carries its trace and span ids: in OTLP as fields, on the console as
        // scopes.
        builder.Logging.Configure(o =>
            o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId
        );
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(o =>
            o.IncludeScopes = true
        );
        builder.Logging.AddOpenTelemetry(o => (o.IncludeScopes, o.IncludeFormattedMessage) = (true, true));
        var telemetry = builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
                tracing
                    .AddSource(Sources)
                    .AddAspNetCoreInstrumentation()
                    .AddGrpcClientInstrumentation()
                    .AddHttpClientInstrumentation()
            )
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(Meters)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (!UsesOtlp)
                    metrics.AddPrometheusExporter();
            });
        if (UsesOtlp)
            telemetry.UseOtlpExporter();
        return builder;
    }

    /// <summary>The Prometheus scraping endpoint, when no OTLP collector is configured.</summary>
    public static WebApplication MapDispatchTelemetry(this WebApplication app)
    {
        if (!UsesOtlp)
            app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
