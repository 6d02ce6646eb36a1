using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Net.Client;

namespace Dispatch.Ingest.Tests;

/// <summary>
/// Ingest deployed as it runs in production: its own process, an Orleans client of a silo process, both on one Redis.
/// </summary>
public abstract class IngestProcessTests(TestStore redis)
{
    [Fact]
    public async Task The_ingest_process_takes_alerts_for_a_silo_process()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-ingest-").FullName;
        var serviceId = $"proc-{Guid.NewGuid():N}"[..14];
        string[] cluster = [.. redis.Arguments, $"--Orleans:ServiceId={serviceId}", "--Orleans:ClusterId=proc"];
        await using var silo = ServiceProcess.StartSilo(dir, cluster);
        await silo.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        var port = RedisServer.FreePort();
        await using var ingest = ServiceProcess.Start(
            "Dispatch.Ingest",
            dir,
            [.. cluster, $"--Ingest:Port={port}", "--Ingest:AdminToken=proc-admin"]
        );
        await ingest.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var registry = new DeviceRegistry.DeviceRegistryClient(channel);
        var admin = new Grpc.Core.Metadata { { "authorization", "Bearer proc-admin" } };
        var credentials = await registry.RegisterGatewayAsync(
            new RegisterGatewayRequest { GatewayId = "gw-proc", Name = "process test" },
            admin
        );
        await registry.RegisterDeviceAsync(City.Camera("cam-proc", "gw-proc"), admin);
        var gateway = new Gateway("gw-proc", credentials.Secret, new AlertIngest.AlertIngestClient(channel));
        var ack = await gateway.ReportAsync(City.Alert("cam-proc", "CREEK_LITTERING", confidence: 0.95));
        Assert.Equal(Disposition.NewIncident, ack.Disposition);
        Assert.Matches(@"^PT-\d{8}-\d{6}$", ack.IncidentNumber);

        await ingest.TerminateAsync(TimeSpan.FromSeconds(30));
        await silo.TerminateAsync(TimeSpan.FromSeconds(30));
        Directory.Delete(dir, recursive: true);
    }
}

/// <summary>The ingest process test on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class IngestProcessTestsOnRedisServer(RedisFixture redis) : IngestProcessTests(redis);

/// <summary>The ingest process test on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class IngestProcessTestsOnRedisCluster(RedisClusterFixture redis) : IngestProcessTests(redis);
