using System.Text.Json.Nodes;
using Dispatch.Api.Open311;
using Dispatch.Domain;

namespace Dispatch.Api.Tests;

/// <summary>The gazetteer shipped beside the catalog, which locates Open311 requests given by address.</summary>
public class Open311GazetteerTests
{
    private static (Catalog Catalog, Gazetteer Gazetteer) Shipped()
    {
        var folder = CatalogLoader.DefaultDirectory();
        var catalog = CatalogLoader.Load(folder);
        return (catalog, Gazetteer.Load(folder, catalog));
    }

    [Fact]
    public void The_shipped_gazetteer_names_every_street_and_dozens_of_roads_and_landmarks_inside_the_district()
    {
        var (catalog, gazetteer) = Shipped();

        Assert.Equal(
            catalog.Streets.Select(s => s.Code).Order(),
            gazetteer.Places.Where(p => p.Kind == PlaceKind.Street).Select(p => p.Street).Order()
        );
        Assert.True(gazetteer.Places.Count(p => p.Kind == PlaceKind.Road) >= 15);
        Assert.True(gazetteer.Places.Count(p => p.Kind == PlaceKind.Landmark) >= 15);
        Assert.All(gazetteer.Places, p => Assert.True(catalog.District.Bounds.Contains(p.Position), p.Id));
        Assert.All(
            gazetteer.Places.Where(p => p.Kind == PlaceKind.Street),
            p => Assert.Equal(catalog.FindStreet(p.Street)!.Centre, p.Position)
        );
    }

    [Theory]
    [InlineData("长寿路１００号", "road-changshou")]
    [InlineData("  Changshou   Rd. 100", "road-changshou")]
    [InlineData("ＣＨＡＮＧＳＨＯＵ ＲＯＡＤ", "road-changshou")]
    [InlineData("长寿路街道办事处", "street-csl")]
    [InlineData("长寿公园南门", "place-changshou-park")]
    [InlineData("中山北路3300号环球港", "place-global-harbor")]
    [InlineData("中环真北路口", "road-zhenbei")]
    public void A_text_is_located_by_the_longest_place_name_it_contains_whatever_its_width_case_or_spacing(
        string text,
        string place
    )
    {
        Assert.Equal(place, Shipped().Gazetteer.Locate(text)?.Id);
    }

    [Fact]
    public void A_text_naming_no_place_of_the_district_is_not_located()
    {
        Assert.Null(Shipped().Gazetteer.Locate("北京市东城区王府井大街1号"));
    }

    [Fact]
    public void A_gazetteer_with_a_place_outside_the_district_or_an_unknown_street_is_refused_naming_the_places()
    {
        using var copy = new CatalogCopy();
        copy.Edit(
            Gazetteer.FileName,
            gazetteer =>
            {
                var places = gazetteer["places"]!.AsArray();
                places.Add(
                    new JsonObject
                    {
                        ["id"] = "place-tiananmen",
                        ["kind"] = "landmark",
                        ["zh"] = "天安门",
                        ["en"] = "Tian'anmen",
                        ["position"] = new JsonObject { ["lat"] = 39.9087, ["lon"] = 116.3975 },
                    }
                );
                places.Add(
                    new JsonObject
                    {
                        ["id"] = "street-nowhere",
                        ["kind"] = "street",
                        ["zh"] = "无名街道",
                        ["en"] = "Nowhere",
                        ["street"] = "NOPE",
                    }
                );
            }
        );

        var refused = Assert.Throws<GazetteerException>(() => Gazetteer.Load(copy.Path, CatalogLoader.Load(copy.Path)));
        Assert.Contains("place-tiananmen", refused.Message);
        Assert.Contains("street-nowhere", refused.Message);
    }
}
