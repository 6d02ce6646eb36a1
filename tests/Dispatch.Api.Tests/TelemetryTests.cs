using System.Diagnostics;
using Dispatch.Protos.V1;
using Grpc.Core;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Dispatch.Api.Tests;

/// <summary>One trace from a gateway's call to the console's live update, read from an in-memory exporter.</summary>
[Collection(RedisFixture.Collection)]
public class TelemetryTests(RedisFixture redis)
{
    private static readonly ActivitySource Gateway = new("Test.Gateway");

    [Fact]
    public async Task A_gateway_call_and_the_console_update_it_causes_are_one_trace()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("Test.Gateway", "Dispatch.*", "Microsoft.Orleans.*")
            .AddAspNetCoreInstrumentation()
            .AddGrpcClientInstrumentation()
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(exported)
            .Build();
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString);
        await using var ingest = await IngestServer.StartAsync(cluster, redis.ConnectionString);
        await using var api = await ApiServer.StartAsync(cluster, redis.ConnectionString);
        var gateway = await ingest.GatewayAsync("gw-trace");
        await ingest.DeviceAsync(City.Camera("cam-trace", "gw-trace"));
        var dispatcher = await api.UserAsync("dispatcher");
        using var watch = dispatcher.Cases.WatchIncidents(
            new WatchIncidentsRequest { Filter = new IncidentFilter { Scenarios = { "creek" } } }
        );
        await watch.ResponseHeadersAsync;

        ActivityTraceId trace;
        AlertAck ack;
        using (var call = Gateway.StartActivity("gateway reports an alert", ActivityKind.Client)!)
        {
            trace = call.TraceId;
            ack = await gateway.ReportAsync(City.Alert("cam-trace", "CREEK_LITTERING", confidence: 0.95));
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (
            await watch.ResponseStream.MoveNext(patience.Token)
            && watch.ResponseStream.Current.Incident?.Number != ack.IncidentNumber
        ) { }
        // The push's activity ends just after its write: wait for it to be exported.
        bool Pushed() =>
            tracing.ForceFlush() && exported.ToList().Any(a => a.TraceId == trace && a.DisplayName == "push change");
        for (var until = DateTime.UtcNow.AddSeconds(10); !Pushed() && DateTime.UtcNow < until;)
            await Task.Delay(20);

        var ours = exported.ToList().Where(a => a.TraceId == trace).ToList();
        Assert.Contains(ours, a => a.Source.Name == "Microsoft.AspNetCore" || a.Kind == ActivityKind.Server);
        Assert.Contains(ours, a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        Assert.Contains(
            ours,
            a => a.DisplayName == "project incident" && (string?)a.GetTagItem("dispatch.incident") == ack.IncidentNumber
        );
        Assert.Contains(
            ours,
            a => a.DisplayName == "push change" && (string?)a.GetTagItem("dispatch.incident") == ack.IncidentNumber
        );
    }
}
