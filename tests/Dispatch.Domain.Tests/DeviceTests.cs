using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class AlertRulesTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly Device Camera = new(
        "cam-1",
        "gw-1",
        "creek",
        "camera",
        new GeoPoint(31.245, 121.41),
        "CYXC",
        "OPS",
        GridCell.Of(new GeoPoint(31.245, 121.41), Catalog)
    );

    private static Alert Good =>
        new(
            "a-1",
            "cam-1",
            "gw-1",
            "CREEK_LITTERING",
            Now.AddSeconds(-3),
            new GeoPoint(31.245, 121.41),
            2,
            new Detection("litter-yolo", "8.1", 0.93, [new Box(0.1, 0.2, 0.3, 0.4, "bag")], "oss://frames/1.jpg")
        );

    [Fact]
    public void A_good_alert_passes() => Assert.Null(AlertRules.Reject(Good, Camera, Catalog, Now));

    public static TheoryData<string, Func<Alert, Alert>, bool> BadAlerts =>
        new()
        {
            { "alert_id", a => a with { AlertId = "" }, false },
            { "device_id", a => a with { DeviceId = "cam-404" }, false },
            { "device_id", a => a with { GatewayId = "gw-other" }, true },
            { "type", a => a with { Type = "NO_SUCH" }, false },
            { "type", a => a with { Type = "FIRE_CONFIRMED" }, false },
            { "location", a => a with { Location = new GeoPoint(39.9, 116.4) }, false },
            { "location", a => a with { Location = new GeoPoint(95, 0) }, false },
            { "observed_at", a => a with { ObservedAt = Now.AddHours(1) }, false },
            { "observed_at", a => a with { ObservedAt = Now.AddDays(-2) }, false },
            { "severity", a => a with { Severity = 9 }, false },
            { "detection.confidence", a => a with { Detection = a.Detection! with { Confidence = 1.5 } }, false },
            {
                "detection.confidence",
                a => a with { Detection = a.Detection! with { Confidence = double.NaN } },
                false
            },
            { "detection.boxes", a => WithBox(a, new Box(0.2, double.PositiveInfinity, 0.1, 0.1)), false },
            { "detection.boxes", a => WithBox(a, new Box(0.2, 0.3, 1.4, 0.1)), false },
        };

    private static Alert WithBox(Alert alert, Box box) =>
        alert with
        {
            Detection = alert.Detection! with { Boxes = [box] },
        };

    [Theory]
    [MemberData(nameof(BadAlerts))]
    public void A_bad_alert_is_rejected_naming_the_field(string field, Func<Alert, Alert> spoil, bool notPermitted)
    {
        var alert = spoil(Good);
        var ack = AlertRules.Reject(alert, alert.DeviceId == "cam-1" ? Camera : null, Catalog, Now);
        Assert.NotNull(ack);
        Assert.Equal((Disposition.Rejected, field, notPermitted), (ack.Disposition, ack.Field, ack.NotPermitted));
        Assert.StartsWith(field + ":", ack.Reason);
    }

    public static TheoryData<string, Func<DeviceRegistration, DeviceRegistration>> BadRegistrations =>
        new()
        {
            { "device_id", r => r with { DeviceId = "" } },
            { "gateway_id", r => r with { GatewayId = " " } },
            { "scenario", r => r with { Scenario = "moon" } },
            { "kind", r => r with { Kind = "" } },
            { "location", r => r with { Location = new GeoPoint(39.9, 116.4) } },
            { "street", r => r with { Street = "ATLANTIS" } },
            { "owner_unit", r => r with { OwnerUnit = "NOBODY" } },
        };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public void A_bad_registration_names_the_field_as_data(
        string field,
        Func<DeviceRegistration, DeviceRegistration> spoil
    )
    {
        var good = new DeviceRegistration(
            "cam-1",
            "gw-1",
            "creek",
            "camera",
            new GeoPoint(31.245, 121.41),
            "CYXC",
            "OPS"
        );
        Assert.NotNull(good.Check(Catalog).Device);
        var (device, problem) = spoil(good).Check(Catalog);
        Assert.Null(device);
        Assert.Equal(field, problem!.Field);
        Assert.StartsWith(field + ": ", problem.Message);
    }

    [Fact]
    public void The_dedup_key_is_device_and_type_unless_the_gateway_sets_one()
    {
        Assert.Equal("cam-1/CREEK_LITTERING", Good.EffectiveDedupKey);
        Assert.Equal("gw:gw-1/bank-7", (Good with { DedupKey = "bank-7" }).EffectiveDedupKey);
    }

    [Fact]
    public void Nearby_points_share_a_grid_cell_and_distant_ones_do_not()
    {
        var here = GridCell.Of(new GeoPoint(31.24501, 121.41001), Catalog);
        Assert.Equal(here, GridCell.Of(new GeoPoint(31.24502, 121.41003), Catalog));
        Assert.NotEqual(here, GridCell.Of(new GeoPoint(31.26, 121.41), Catalog));
    }
}
