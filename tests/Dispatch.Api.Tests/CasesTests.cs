using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>
/// What the dispatcher's desk shows beyond the lifecycle: the alerts behind an incident, and whom to dispatch to.
/// </summary>
[Collection(RedisFixture.Collection)]
public class CasesTests(RedisFixture redis)
{
    [Fact]
    public async Task The_detail_shows_the_alerts_behind_an_incident_with_their_ai_evidence()
    {
        var api = await SharedApi.StartAsync(redis);
        var grains = api.Services.GetRequiredService<IGrainFactory>();
        var tag = Id()[..8];
        await api.Services.GetRequiredService<GatewayRegistry>().RegisterAsync($"gw-{tag}", "bank cameras");
        var camera = grains.GetGrain<IDeviceGrain>($"cam-{tag}");
        var bank = new Domain.GeoPoint(31.2452, 121.4105);
        await camera.RegisterAsync(
            new Domain.DeviceRegistration($"cam-{tag}", $"gw-{tag}", "creek", "camera", bank, "CYXC", "OPS")
        );
        Domain.Alert Seen(string id, double confidence) =>
            new(
                id,
                $"cam-{tag}",
                $"gw-{tag}",
                "CREEK_GATHERING",
                DateTimeOffset.UtcNow.AddSeconds(-1),
                bank,
                3,
                new Domain.Detection(
                    "bank-watch",
                    "3.2",
                    confidence,
                    [new Box(0.4, 0.5, 0.1, 0.2, "person")],
                    $"frames/{id}.jpg"
                )
            );

        var first = await camera.ReceiveAsync(Seen("a1", 0.91));
        var second = await camera.ReceiveAsync(Seen("a2", 0.87));
        Assert.Equal(Domain.Disposition.Attached, second.Disposition);
        await api.CaughtUpAsync();

        var dispatcher = await api.UserAsync("dispatcher");
        var detail = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = first.IncidentNumber });

        Assert.Equal(["a1", "a2"], detail.Alerts.Select(a => a.AlertId));
        Assert.Equal(["NewIncident", "Attached"], detail.Alerts.Select(a => a.Disposition));
        var evidence = detail.Alerts[0].Detection;
        Assert.Equal(("bank-watch", 0.91, "frames/a1.jpg"), (evidence.Model, evidence.Confidence, evidence.ImageRef));
        Assert.Equal("person", Assert.Single(evidence.Boxes).Label);
        Assert.Equal(0.91, detail.Confidence, 6);
    }
}
