using System.Text;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Dispatch.Grains.Tests;

/// <summary>How domain types cross a grain boundary: the alert path by Orleans surrogates, the rest as JSON.</summary>
public class SerializationTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddDispatchSerialization()
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static readonly Alert Alert = new(
        "a-1",
        "cam-1",
        "gw-1",
        "CREEK_GATHERING",
        DateTimeOffset.UnixEpoch.AddDays(20_000),
        new GeoPoint(31.2452, 121.4105),
        3,
        new Detection("bank-watch", "3.2", 0.91, [new Box(0.4, 0.5, 0.1, 0.2, "person")], "frames/1.jpg"),
        new Dictionary<string, string> { ["zone"] = "B" },
        "bank-7"
    );

    [Fact]
    public void An_alert_and_its_answer_cross_as_orleans_binary_and_come_back_equal()
    {
        var bytes = Serializer.SerializeToArray(Alert);
        var back = Serializer.Deserialize<Alert>(bytes);

        Assert.Equal(
            Alert with
            {
                Attributes = null,
                Detection = null,
            },
            back! with
            {
                Attributes = null,
                Detection = null,
            }
        );
        Assert.Equal(Alert.Detection!.Boxes, back!.Detection!.Boxes);
        Assert.Equal("B", back.Attributes!["zone"]);
        Assert.DoesNotContain("\"alertId\"", Encoding.UTF8.GetString(bytes)); // not the JSON codec
        var ack = new AlertAck("a-1", Disposition.Attached, "PT-20261201-000001", "joined", null);
        Assert.Equal(ack, Serializer.Deserialize<AlertAck>(Serializer.SerializeToArray(ack)));
        var window = new DedupEntry("cam-1/X", "PT-1", "CREEK_GATHERING", Priority.P2, DateTimeOffset.UnixEpoch);
        Assert.Equal(window, Serializer.Deserialize<DedupEntry>(Serializer.SerializeToArray(window)));
    }

    [Fact]
    public void Commands_and_events_cross_as_json_with_their_kind()
    {
        IncidentCommand command = new DispatchIncident(
            "c-1",
            new Actor("d.li", Role.Dispatcher, "OPS"),
            "FIRE",
            ["OPS"],
            "fire.w1",
            new Dictionary<string, string> { ["OPS"] = "ops.w1" }
        );
        var bytes = Serializer.SerializeToArray(command);
        var back = (DispatchIncident)Serializer.Deserialize<IncidentCommand>(bytes)!;

        Assert.Contains("\"command\":\"dispatch\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal(("FIRE", "fire.w1", "ops.w1"), (back.LeadUnit, back.Worker, back.Workers!["OPS"]));
    }
}
