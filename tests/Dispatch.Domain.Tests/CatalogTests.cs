using System.Text.Json.Nodes;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class CatalogTests
{
    private static readonly Catalog Catalog = Desk.Catalog;

    [Fact]
    public void The_shipped_catalog_holds_the_ten_scenarios_with_at_least_three_types_each()
    {
        Assert.Equal(
            ["building", "civilization", "creek", "fire", "hazard", "relief", "rental", "shop", "site", "underground"],
            Catalog.Scenarios.Select(s => s.Id).Order()
        );
        Assert.All(Catalog.Scenarios, s => Assert.True(s.Types.Count >= 3, $"{s.Id} has {s.Types.Count} types"));
        Assert.All(
            Catalog.Types,
            t =>
            {
                Assert.False(string.IsNullOrWhiteSpace(t.Zh));
                Assert.False(string.IsNullOrWhiteSpace(t.En));
                Assert.All(
                    Catalog.RequiredStages,
                    stage => Assert.True(t.Deadlines.ContainsKey(stage), $"{t.Code} lacks {stage}")
                );
            }
        );
    }

    [Fact]
    public void The_shipped_catalog_holds_the_ten_streets_and_the_lead_units_of_every_scenario()
    {
        Assert.Equal(
            [
                "长寿路街道",
                "曹杨新村街道",
                "长风新村街道",
                "宜川路街道",
                "甘泉路街道",
                "石泉路街道",
                "真如镇街道",
                "万里街道",
                "长征镇",
                "桃浦镇",
            ],
            Catalog
                .Streets.Select(s => s.Zh)
                .OrderBy(z =>
                    Array.IndexOf(
                        new[]
                        {
                            "长寿路街道",
                            "曹杨新村街道",
                            "长风新村街道",
                            "宜川路街道",
                            "甘泉路街道",
                            "石泉路街道",
                            "真如镇街道",
                            "万里街道",
                            "长征镇",
                            "桃浦镇",
                        },
                        z
                    )
                )
        );
        Assert.All(Catalog.Streets, s => Assert.Equal(UnitKind.StreetOffice, Catalog.FindUnit(s.Office)!.Kind));
        var leads = new Dictionary<string, string>
        {
            ["site"] = "区建管委",
            ["creek"] = "区城运中心",
            ["rental"] = "区房管局",
            ["fire"] = "区消防救援支队",
            ["building"] = "区公安分局",
            ["shop"] = "区绿化市容局",
            ["underground"] = "区民防办",
            ["relief"] = "区民政局",
            ["hazard"] = "区应急局",
            ["civilization"] = "区文明办",
        };
        foreach (var (scenario, unit) in leads)
            Assert.Equal(unit, Catalog.FindUnit(Catalog.FindScenario(scenario)!.LeadUnit)!.Zh);
        Assert.Equal("PT", Catalog.District.Code);
        Assert.False(string.IsNullOrEmpty(Catalog.Version));
    }

    [Fact]
    public void Type_deadlines_override_their_priority_defaults()
    {
        var enterprise = Catalog.FindType("HAZARD_ENTERPRISE")!;
        Assert.Equal(Allowance.Parse("15wd"), enterprise.Deadlines[Stage.Handling]);
        Assert.Equal(Allowance.Parse("1wd"), enterprise.Deadlines[Stage.Accepting]);
        var person = Catalog.FindType("CREEK_PERSON_IN_WATER")!;
        Assert.Equal(Allowance.Parse("15m"), person.Deadlines[Stage.Arriving]);
        Assert.Equal(ClockKind.Wall, person.Deadlines[Stage.Handling].Kind);
    }

    public static TheoryData<string, Action<JsonObject>, string> BrokenCatalogs =>
        new()
        {
            {
                "scenarios/site.json",
                j => j["types"]![0]!["route"]!["lead"] = "NOBODY",
                "scenarios/site.json: type SITE_DUST.route.lead: unknown unit 'NOBODY'"
            },
            {
                "scenarios/site.json",
                j => j["coUnits"]!.AsArray().Add("GHOST"),
                "scenarios/site.json: coUnits: unknown unit 'GHOST'"
            },
            {
                "scenarios/fire.json",
                j => j["types"]![1]!["code"] = "FIRE_CONFIRMED",
                "scenarios/fire.json: type FIRE_CONFIRMED: duplicate code"
            },
            { "scenarios/shop.json", j => j["types"]![0]!["code"] = "SITE_DUST", "scenarios/site.json" },
            {
                "catalog.json",
                j => j["priorities"]!["P3"]!["deadlines"]!.AsObject().Remove("handling"),
                "has no deadline for stage handling"
            },
            {
                "scenarios/relief.json",
                j => j["types"]![0]!["deadlines"] = new JsonObject { ["handling"] = "soon" },
                "scenarios/relief.json: type RELIEF_COLOUR_CHANGE.deadlines.handling: 'soon' is not an allowance"
            },
            {
                "scenarios/shop.json",
                j => j["routing"]![0]!["streets"]!.AsArray().Add("NOWHERE"),
                "scenarios/shop.json: routing[0]: unknown street 'NOWHERE'"
            },
            { "scenarios/site.json", j => j["types"]![0]!["priority"] = "P9", "priority 'P9' is not one of P1–P4" },
            {
                "scenarios/site.json",
                j => j["types"]![0]!["filing"]!["minConfidence"] = 1.5,
                "type SITE_DUST.filing.minConfidence: must lie in (0, 1]"
            },
            {
                "streets.json",
                j => j["streets"]![0]!["office"] = "FIRE",
                "streets.json: street CSL: office 'FIRE' is not a street office"
            },
            { "units.json", j => j["units"]![2]!["code"] = "OPS", "units.json: unit OPS: duplicate code" },
            {
                "catalog.json",
                j => j["calendar"]!["holidays"]!.AsArray().Add("2026-13-01"),
                "catalog.json: calendar.holidays: '2026-13-01' is not a date"
            },
            {
                "catalog.json",
                j => j["calendar"]!["timeZone"] = "Mars/Olympus",
                "catalog.json: calendar.timeZone: 'Mars/Olympus' is not a time zone"
            },
            {
                "catalog.json",
                j =>
                    j["calendar"]!["weekend"] = new JsonArray(
                        "Monday",
                        "Tuesday",
                        "Wednesday",
                        "Thursday",
                        "Friday",
                        "Saturday",
                        "Sunday"
                    ),
                "catalog.json: calendar.weekend: leaves no working day"
            },
        };

    [Theory]
    [MemberData(nameof(BrokenCatalogs))]
    public void An_inconsistent_catalog_is_refused_with_the_file_and_entry_named(
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
    public void A_missing_file_and_malformed_json_are_named()
    {
        using var copy = new CatalogCopy();
        File.Delete(System.IO.Path.Combine(copy.Path, "units.json"));
        File.WriteAllText(System.IO.Path.Combine(copy.Path, "scenarios", "fire.json"), "{ \"id\": \"fire\", ");
        var error = Assert.Throws<CatalogException>(() => CatalogLoader.Load(copy.Path));
        Assert.Contains("units.json: file not found", error.Message);
        Assert.Contains("scenarios/fire.json: line", error.Message);
    }

    [Fact]
    public void An_unknown_field_is_refused_rather_than_ignored()
    {
        using var copy = new CatalogCopy();
        copy.Edit("scenarios/site.json", j => j["types"]![0]!["priorty"] = "P1");
        var error = Assert.Throws<CatalogException>(() => CatalogLoader.Load(copy.Path));
        Assert.Contains("scenarios/site.json", error.Message);
        Assert.Contains("priorty", error.Message);
    }
}

public class RoutingTests
{
    private static readonly Catalog Catalog = Desk.Catalog;

    [Theory]
    [InlineData("SITE_DUST", "CSL", "CONS", "ECO,CSL")]
    [InlineData("CREEK_PERSON_IN_WATER", "CYXC", "FIRE", "OPS,POLICE,CYXC")]
    [InlineData("RENTAL_RED", "ZR", "HOUSING", "POLICE,ZR")]
    [InlineData("FIRE_HYDRANT_PRESSURE", "GQL", "FIRE", "")]
    [InlineData("BLDG_ELEVATOR_ENTRAPMENT", "CSL", "FIRE", "MARKET,OPS")]
    [InlineData("SHOP_BIN_OVERFLOW", "YCL", "GREEN", "YCL")]
    [InlineData("UG_FLOODING_HIGH", "WL", "CIVDEF", "FIRE,EMER,WL")]
    [InlineData("RELIEF_PROACTIVE", "SQL", "SQL", "CIVAFF")]
    [InlineData("HAZARD_HOUSE_D", "CFXC", "EMER", "HOUSING,POLICE,CFXC")]
    [InlineData("CIV_HOTLINE", "CZ", "CZ", "CIVILITY")]
    public void Each_scenario_routes_its_types_to_a_lead_unit_and_co_units(
        string type,
        string street,
        string lead,
        string coUnits
    )
    {
        var route = Catalog.Route(type, street);
        Assert.Equal(lead, route.Lead);
        Assert.Equal(coUnits.Split(',', StringSplitOptions.RemoveEmptyEntries), route.CoUnits);
    }

    [Fact]
    public void A_street_rule_overrides_the_type_route_in_its_streets_only()
    {
        var taopu = Catalog.Route("SHOP_BIN_OVERFLOW", "TP");
        Assert.Equal("TP", taopu.Lead);
        Assert.Equal(["GREEN"], taopu.CoUnits);
        Assert.Equal("GREEN", Catalog.Route("SHOP_BIN_OVERFLOW", "CSL").Lead);
        Assert.Equal("ECO", Catalog.Route("CREEK_FLOATING_WASTE", "CZ").Lead);
        Assert.Equal("GREEN", Catalog.Route("CREEK_FLOATING_WASTE", "ZR").Lead);
    }

    [Fact]
    public void Every_type_routes_in_every_street_to_known_units()
    {
        foreach (var type in Catalog.Types)
            foreach (var street in Catalog.Streets)
            {
                var route = Catalog.Route(type.Code, street.Code);
                Assert.NotNull(Catalog.FindUnit(route.Lead));
                Assert.All(route.CoUnits, u => Assert.NotNull(Catalog.FindUnit(u)));
                Assert.DoesNotContain(route.Lead, route.CoUnits);
            }
    }
}
