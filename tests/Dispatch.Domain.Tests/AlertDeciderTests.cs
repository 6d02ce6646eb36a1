using System.Text.Json.Nodes;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class AlertDeciderTests
{
    private static readonly Catalog Catalog = Desk.Catalog;
    private static readonly AlertDecider Decider = new(Catalog);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly GeoPoint Here = new(31.245, 121.41);

    private static Device DeviceOf(string id, string scenario, string gateway = "gw-1", string street = "CYXC") =>
        new(id, gateway, scenario, "sensor", Here, street, "OPS", GridCell.Of(Here, Catalog));

    private static Alert AlertOf(
        string id,
        Device device,
        string type,
        string? key = null,
        double? confidence = null
    ) =>
        new(
            id,
            device.Id,
            device.GatewayId,
            type,
            Now.AddSeconds(-2),
            Here,
            3,
            confidence is { } c ? new Detection("yolo", "8", c, [new Box(0.1, 0.1, 0.2, 0.2)], "oss://f.jpg") : null,
            null,
            key
        );

    private static CellIncident InCell(string number, string type, int minutesAgo = 1) =>
        new(number, type, Catalog.FindType(type)!.Priority, Now.AddMinutes(-minutesAgo));

    private static AlertDecision Decide(
        Alert alert,
        Device device,
        IEnumerable<CellIncident>? cell = null,
        IEnumerable<DedupEntry>? windows = null,
        DeviceSilence? silence = null
    ) => Decider.Decide(alert, device, silence, windows ?? [], cell ?? [], Now);

    [Fact]
    public void A_confirmed_fire_after_low_hydrant_pressure_in_one_cell_joins_and_reclassifies_it_to_p1()
    {
        var sensor = DeviceOf("smoke-1", "fire");
        var decision = Decide(
            AlertOf("a-1", sensor, "FIRE_CONFIRMED"),
            sensor,
            [InCell("PT-1", "FIRE_HYDRANT_PRESSURE")]
        );

        var reclassify = Assert.IsType<AttachAndReclassify>(decision);
        Assert.Equal(("PT-1", AttachBasis.Cell), (reclassify.Incident, reclassify.By));
        Assert.Equal(("FIRE_HYDRANT_PRESSURE", Priority.P3), (reclassify.FromType, reclassify.FromPriority));
        Assert.Equal(("FIRE_CONFIRMED", Priority.P1), (reclassify.Type, reclassify.Priority));
        var ack = decision.Answer();
        Assert.Equal((Disposition.Attached, "PT-1"), (ack.Disposition, ack.IncidentNumber));
        Assert.Contains("reclassified it from FIRE_HYDRANT_PRESSURE (P3) to FIRE_CONFIRMED (P1)", ack.Reason);
    }

    [Fact]
    public void A_person_in_the_water_after_gathering_on_the_bank_reclassifies_the_gathering_incident()
    {
        var camera = DeviceOf("cam-1", "creek");
        var decision = Decide(
            AlertOf("a-1", camera, "CREEK_PERSON_IN_WATER", confidence: 0.97),
            camera,
            [InCell("PT-7", "CREEK_GATHERING", minutesAgo: 8)]
        );
        var reclassify = Assert.IsType<AttachAndReclassify>(decision);
        Assert.Equal(
            ("PT-7", "CREEK_PERSON_IN_WATER", Priority.P1),
            (reclassify.Incident, reclassify.Type, reclassify.Priority)
        );
    }

    [Fact]
    public void A_person_in_the_water_after_littering_opens_its_own_p1_incident()
    {
        var camera = DeviceOf("cam-1", "creek");
        var decision = Decide(
            AlertOf("a-1", camera, "CREEK_PERSON_IN_WATER", confidence: 0.97),
            camera,
            [InCell("PT-7", "CREEK_LITTERING"), InCell("PT-8", "CREEK_FLOATING_WASTE")]
        );
        var open = Assert.IsType<OpenNewIncident>(decision);
        Assert.Equal(("CREEK_PERSON_IN_WATER", Priority.P1), (open.Type, open.Priority));
        Assert.Equal("CREEK_PERSON_IN_WATER", open.Report.Type);
        var ack = decision.Answer("PT-9");
        Assert.Equal((Disposition.NewIncident, "PT-9"), (ack.Disposition, ack.IncidentNumber));
    }

    [Fact]
    public void Compatible_types_still_join_and_a_lesser_alert_leaves_the_incident_as_it_is()
    {
        var camera = DeviceOf("cam-1", "creek");
        var floating = Assert.IsType<AttachAlert>(
            Decide(AlertOf("a-1", camera, "CREEK_FLOATING_WASTE"), camera, [InCell("PT-7", "CREEK_LITTERING")])
        );
        Assert.Equal(("PT-7", "CREEK_LITTERING", Priority.P3), (floating.Incident, floating.Type, floating.Priority));

        var smoke = DeviceOf("smoke-1", "fire");
        var alarm = Assert.IsType<AttachAlert>(
            Decide(AlertOf("a-2", smoke, "FIRE_SMOKE_ALARM"), smoke, [InCell("PT-1", "FIRE_CONFIRMED")])
        );
        Assert.Equal(
            ("PT-1", "FIRE_CONFIRMED", Priority.P1, AttachBasis.Cell),
            (alarm.Incident, alarm.Type, alarm.Priority, alarm.By)
        );
    }

    [Fact]
    public void Several_cameras_seeing_one_person_in_the_water_make_one_incident()
    {
        var first = DeviceOf("cam-1", "creek");
        var second = DeviceOf("cam-2", "creek");
        var opened = Decide(AlertOf("a-1", first, "CREEK_PERSON_IN_WATER"), first);
        var cell = Decider.CellAfter(opened, "PT-1", Now)!;
        var joined = Assert.IsType<AttachAlert>(
            Decide(AlertOf("b-1", second, "CREEK_PERSON_IN_WATER"), second, [cell])
        );
        Assert.Equal("PT-1", joined.Incident);
    }

    [Fact]
    public void A_cell_incident_whose_last_alert_is_older_than_the_cell_window_takes_no_more_alerts()
    {
        var smoke = DeviceOf("smoke-1", "fire"); // fire uses the default cell window of 5 minutes
        Assert.IsType<AttachAlert>(
            Decide(AlertOf("a-1", smoke, "FIRE_SMOKE_ALARM"), smoke, [InCell("PT-1", "FIRE_SMOKE_ALARM", 5)])
        );
        Assert.IsType<OpenNewIncident>(
            Decide(AlertOf("a-2", smoke, "FIRE_SMOKE_ALARM"), smoke, [InCell("PT-1", "FIRE_SMOKE_ALARM", 6)])
        );
    }

    [Fact]
    public void Of_several_compatible_incidents_in_the_cell_the_most_urgent_takes_the_alert()
    {
        var smoke = DeviceOf("smoke-1", "fire");
        var joined = Assert.IsType<AttachAlert>(
            Decide(
                AlertOf("a-1", smoke, "FIRE_SMOKE_ALARM"),
                smoke,
                [
                    InCell("PT-1", "FIRE_HYDRANT_PRESSURE", 0),
                    InCell("PT-2", "FIRE_CONFIRMED", 3),
                    InCell("PT-3", "FIRE_PASSAGE_BLOCKED", 0),
                ]
            )
        );
        Assert.Equal("PT-2", joined.Incident);
    }

    [Fact]
    public void A_repeat_under_the_same_dedup_key_joins_its_window_s_incident_until_the_window_ends()
    {
        var camera = DeviceOf("cam-1", "creek");
        var first = AlertOf("a-1", camera, "CREEK_LITTERING");
        var window = Decider.WindowAfter(first, Decide(first, camera), "PT-1", Now)!;
        Assert.Equal(
            ("cam-1/CREEK_LITTERING", "PT-1", Now.AddMinutes(30)),
            (window.Key, window.Incident, window.Until)
        );

        var repeat = Assert.IsType<AttachAlert>(
            Decide(AlertOf("a-2", camera, "CREEK_LITTERING"), camera, windows: [window])
        );
        Assert.Equal(("PT-1", AttachBasis.DedupKey), (repeat.Incident, repeat.By));
        var late = Decider.Decide(
            AlertOf("a-3", camera, "CREEK_LITTERING") with
            {
                ObservedAt = Now.AddMinutes(30),
            },
            camera,
            null,
            [window],
            [],
            Now.AddMinutes(30)
        );
        Assert.IsType<OpenNewIncident>(late);
    }

    [Fact]
    public void A_gateway_set_dedup_key_is_shared_by_every_device_of_that_gateway()
    {
        var left = DeviceOf("cam-1", "creek");
        var right = DeviceOf("cam-2", "creek");
        var first = AlertOf("a-1", left, "CREEK_LITTERING", key: "bank-7");
        var second = AlertOf("b-1", right, "CREEK_LITTERING", key: "bank-7");
        Assert.Equal("gw:gw-1/bank-7", first.EffectiveDedupKey);
        Assert.Equal(first.EffectiveDedupKey, second.EffectiveDedupKey);
        Assert.NotEqual(first.EffectiveDedupKey, (first with { GatewayId = "gw-2" }).EffectiveDedupKey);

        var window = Decider.WindowAfter(first, Decide(first, left), "PT-1", Now)!;
        var joined = Assert.IsType<AttachAlert>(Decide(second, right, windows: [window]));
        Assert.Equal(("PT-1", AttachBasis.DedupKey), (joined.Incident, joined.By));
    }

    [Fact]
    public void The_dedup_window_takes_only_compatible_types()
    {
        var camera = DeviceOf("cam-1", "creek");
        var littering = new DedupEntry("gw:gw-1/bank-7", "PT-1", "CREEK_LITTERING", Priority.P3, Now.AddMinutes(20));
        var gathering = littering with { Incident = "PT-2", Type = "CREEK_GATHERING", Priority = Priority.P2 };
        var person = AlertOf("a-1", camera, "CREEK_PERSON_IN_WATER", key: "bank-7");

        Assert.IsType<OpenNewIncident>(Decide(person, camera, windows: [littering]));
        var reclassify = Assert.IsType<AttachAndReclassify>(Decide(person, camera, windows: [littering, gathering]));
        Assert.Equal(("PT-2", AttachBasis.DedupKey), (reclassify.Incident, reclassify.By));
        var window = Decider.WindowAfter(person, reclassify, null, Now)!;
        Assert.Equal(("PT-2", "CREEK_PERSON_IN_WATER", Priority.P1), (window.Incident, window.Type, window.Priority));
    }

    [Fact]
    public void A_bad_alert_is_rejected_naming_the_field_and_a_silenced_device_s_alert_is_suppressed()
    {
        var camera = DeviceOf("cam-1", "creek");
        var rejected = Assert.IsType<RejectAlert>(Decide(AlertOf("a-1", camera, "FIRE_CONFIRMED"), camera));
        Assert.Equal("type", rejected.Problem.Field);
        Assert.Equal((Disposition.Rejected, "type"), (rejected.Answer().Disposition, rejected.Answer().Field));
        Assert.Null(Decider.WindowAfter(AlertOf("a-1", camera, "FIRE_CONFIRMED"), rejected, null, Now));

        var suppressed = Decide(
            AlertOf("a-2", camera, "CREEK_LITTERING"),
            camera,
            [InCell("PT-1", "CREEK_LITTERING")],
            silence: new DeviceSilence("lens being cleaned")
        );
        Assert.IsType<SuppressAlert>(suppressed);
        Assert.Equal(Disposition.Suppressed, suppressed.Answer().Disposition);
        Assert.Contains("lens being cleaned", suppressed.Reason);
    }

    [Fact]
    public void The_report_of_a_new_incident_names_the_alert_device_and_detection()
    {
        var camera = DeviceOf("cam-1", "creek", street: "ZR");
        var open = Assert.IsType<OpenNewIncident>(
            Decide(AlertOf("a-1", camera, "CREEK_GATHERING", confidence: 0.93), camera)
        );
        var r = open.Report;
        Assert.Equal(("alert/a-1", "gw-1", Role.Gateway), (r.CommandId, r.Actor.UserId, r.Actor.Role));
        Assert.Equal(
            (Channel.AiCamera, "ZR", 0.93, "device/cam-1/alert/a-1"),
            (r.Channel, r.Street, r.Confidence, r.SourceRef)
        );
        Assert.Equal(Channel.IotSensor, Decider.Report(AlertOf("a-2", camera, "CREEK_GATHERING"), camera).Channel);
    }

    [Fact]
    public void A_type_is_compatible_with_itself_and_never_with_a_type_of_another_scenario()
    {
        Assert.True(Catalog.Compatible("RELIEF_URGENT", "RELIEF_URGENT"));
        Assert.False(Catalog.Compatible("RELIEF_URGENT", "RELIEF_PROACTIVE"));
        Assert.True(Catalog.Compatible("FIRE_CONFIRMED", "FIRE_HYDRANT_PRESSURE"));
        Assert.False(Catalog.Compatible("FIRE_CONFIRMED", "FIRE_PASSAGE_BLOCKED"));
        Assert.False(Catalog.Compatible("FIRE_CONFIRMED", "UG_FIRE_HAZARD"));
        Assert.False(Catalog.Compatible("FIRE_CONFIRMED", "NO_SUCH_TYPE"));
    }

    public static TheoryData<string, Action<JsonObject>, string> BrokenFamilies =>
        new()
        {
            {
                "scenarios/fire.json",
                j => j["correlation"]!["families"]![0]!.AsArray().Add("CREEK_LITTERING"),
                "scenarios/fire.json: correlation.families[0]: unknown type 'CREEK_LITTERING' (not in this scenario)"
            },
            {
                "scenarios/creek.json",
                j => j["correlation"]!["families"]![1] = new JsonArray("CREEK_LITTERING"),
                "scenarios/creek.json: correlation.families[1]: needs at least two types"
            },
            {
                "scenarios/shop.json",
                j => j["correlation"]!["families"]![0]!.AsArray().Add("SHOP_SMALL_BAG"),
                "scenarios/shop.json: correlation.families[0]: names a type twice"
            },
            { "catalog.json", j => j["correlation"]!["families"] = new JsonArray(), "families" },
        };

    [Theory]
    [MemberData(nameof(BrokenFamilies))]
    public void Type_families_naming_unknown_types_are_refused_with_file_and_entry(
        string file,
        Action<JsonObject> breakIt,
        string expected
    )
    {
        using var copy = new CatalogCopy();
        copy.Edit(file, breakIt);
        var error = Assert.Throws<CatalogException>(() => CatalogLoader.Load(copy.Path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Every_scenario_with_alerts_by_place_groups_its_types_into_families()
    {
        var fire = Catalog.FindScenario("fire")!;
        Assert.Contains(
            fire.Families!,
            f => f.Contains("FIRE_CONFIRMED") && f.Contains("FIRE_HYDRANT_PRESSURE") && f.Contains("FIRE_SMOKE_ALARM")
        );
        Assert.All(Catalog.Scenarios.Where(s => s.Id != "relief"), s => Assert.NotEmpty(s.Families!));
        Assert.All(
            Catalog.Scenarios.SelectMany(s => s.Families!.SelectMany(f => f.Select(t => (s, t)))),
            x => Assert.Equal(x.s.Id, Catalog.FindType(x.t)!.Scenario)
        );
    }
}
