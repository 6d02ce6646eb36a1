using Dispatch.Api.Services;
using Dispatch.Domain;
using Dispatch.Infrastructure;

namespace Dispatch.Api.Tests;

/// <summary>
/// Pure checks of the API's mappings: nothing of the domain's figures is lost on the wire, CSV cells are safe, photos
/// are recognised.
/// </summary>
public class MappingTests
{
    [Fact]
    public void Every_figure_of_the_domain_travels_in_the_proto()
    {
        var figures = new Figures();
        foreach (var (property, i) in typeof(Figures).GetProperties().Select((p, i) => (p, i)))
            property.SetValue(figures, property.PropertyType == typeof(int) ? i + 1 : (object)(i + 0.5));

        var proto = figures.ToProto();

        foreach (var (property, i) in typeof(Figures).GetProperties().Select((p, i) => (p, i)))
            Assert.Equal(
                Convert.ToDouble(property.GetValue(figures)),
                Convert.ToDouble(typeof(Protos.V1.Figures).GetProperty(property.Name)!.GetValue(proto))
            );
        Assert.False(new Figures().ToProto().HasFilingRate);
    }

    [Fact]
    public void Csv_cells_are_quoted_formulas_defused_and_rates_written_as_percentages()
    {
        var reply = new Protos.V1.FiguresReply { By = "Unit", Total = new Figures { Reported = 2 }.ToProto() };
        reply.Groups.Add(
            new Protos.V1.FiguresGroup
            {
                Key = "=HYPERLINK(\"x\")",
                Name = "a,b",
                Figures = new Figures { Reported = 1, FilingRate = 0.5 }.ToProto(),
            }
        );

        var lines = Csv.Figures(reply).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("单位,\"a,b\",\"'=HYPERLINK(\"\"x\"\")\",1,", lines[2]);
        Assert.Contains(",50.0%,", lines[2]);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "image/jpeg")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "image/png")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50 }, "image/webp")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46 }, null)]
    [InlineData(new byte[] { 0xFF, 0xD8 }, null)]
    public void Photos_are_recognised_by_their_signature(byte[] content, string? expected) =>
        Assert.Equal(expected, EvidenceStore.Sniff(content));

    [Fact]
    public void A_masked_alert_shows_no_exact_position_and_no_image()
    {
        var alert = new Alert(
            "a1",
            "d1",
            "g1",
            "RENTAL_RED",
            DateTimeOffset.UnixEpoch,
            new GeoPoint(31.2412345, 121.4412345),
            3,
            new Detection("m", "1", 0.9, [], "frames/flat-502.jpg")
        );
        var entry = new Dispatch.Infrastructure.RecordedAlert(alert, Disposition.NewIncident, "PT-20261201-000001");

        var masked = ApiMapping.ToAlert(entry, masked: true)!;
        var shown = ApiMapping.ToAlert(entry, masked: false)!;

        Assert.Equal((31.241, 121.441), (masked.Location.Lat, masked.Location.Lon));
        Assert.Equal("", masked.Detection.ImageRef);
        Assert.Equal("frames/flat-502.jpg", shown.Detection.ImageRef);
        Assert.Equal(31.2412345, shown.Location.Lat);
    }

    [Fact]
    public void Distances_are_great_circle_metres() =>
        Assert.Equal(111_195, new GeoPoint(31, 121).MetresTo(new GeoPoint(32, 121)), 0);
}
