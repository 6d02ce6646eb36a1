using Dispatch.Abstractions;
using Dispatch.Ingest.Auth;
using Dispatch.Protos;
using Dispatch.ServiceDefaults;
using Grpc.Core;

namespace Dispatch.Ingest.Tests;

/// <summary>A flood of forged calls from one address costs the cluster nothing; the address is held back.</summary>
[Collection(RedisFixture.Collection)]
public class SecurityFloodTests(RedisFixture redis)
{
    [Fact]
    public async Task Unsigned_and_forged_calls_activate_no_grain_and_a_flooding_address_is_held_back()
    {
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString);
        await using var ingest = await IngestServer.StartAsync(cluster, redis.ConnectionString);
        var gateway = await ingest.GatewayAsync($"gw-{Guid.NewGuid():N}"[..11]);
        var camera = await ingest.DeviceAsync(City.Camera($"cam-{Guid.NewGuid():N}"[..12], gateway.Id));
        var alert = City.Alert(camera, "CREEK_LITTERING");
        using var activations = new SecurityActivations();
        var before = activations.Created;

        var refusals = new List<RpcException>();
        for (var i = 0; i < 300; i++)
        {
            // Made-up gateways with a fresh timestamp and a junk signature, and calls that are not signed at all.
            var forged =
                i % 3 == 0
                    ? new Metadata()
                    : GatewaySignature.Headers(
                        $"gw-made-up-{i}",
                        Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
                        Gateway.Method("ReportAlert"),
                        DateTimeOffset.UtcNow
                    );
            refusals.Add(
                await Assert.ThrowsAsync<RpcException>(() =>
                    gateway.Client.ReportAlertAsync(alert, forged).ResponseAsync
                )
            );
        }
        var created = activations.Created - before;

        Assert.Equal(0, created);
        StatusCode[] refused = [StatusCode.Unauthenticated, StatusCode.ResourceExhausted];
        Assert.All(refusals, r => Assert.Contains(r.StatusCode, refused));
        var heldBack = refusals.Where(r => r.StatusCode == StatusCode.ResourceExhausted).ToList();
        Assert.NotEmpty(heldBack);
        Assert.All(
            heldBack,
            r =>
            {
                Assert.Equal(Problems.Reasons.RateLimited, Problems.ReasonOf(r));
                Assert.NotNull(r.Trailers.GetValue("retry-after"));
            }
        );
        var firstHeldBack = refusals.FindIndex(r => r.StatusCode == StatusCode.ResourceExhausted);
        Assert.True(firstHeldBack <= FailedAuthentications.Limit, $"held back only after {firstHeldBack} failures");
        // The count is live: a grain asked for directly is activated, and counted.
        var control = $"PT-20261203-{Random.Shared.Next(900_000, 999_999)}";
        Assert.Null(await cluster.Grains.GetGrain<IIncidentGrain>(control).GetAsync());
        Assert.True(await activations.AtLeastAsync(before, 1) >= 1, "the Orleans meter counted no activation at all");
    }
}
