using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Dispatch.Domain.Tests;

/// <summary>
/// A hotline caller's name and phone are personal data in every scenario: people who do not handle cases see them
/// masked wherever they occur, while outside the personal-data scenarios the rest of the incident stays as entered.
/// </summary>
public class SecurityMaskingTests
{
    private static readonly JsonSerializerOptions Readable = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private static readonly Reporter Caller = new("王小明", "13912345678");
    private static readonly GeoPoint Corner = new(31.2412345, 121.4416789);

    /// <summary>A street-shop case (a scenario without personal data) from a hotline caller naming himself.</summary>
    private static Desk ShopCase()
    {
        var desk = new Desk("SHOP_BIN_OVERFLOW", "CSL");
        desk.Do(
            new ReportIncident(
                desk.Id(),
                Desk.Dispatcher,
                "SHOP_BIN_OVERFLOW",
                Channel.Hotline,
                "CSL",
                "王小明来电：长寿路 88 号门口垃圾桶满溢，店铺编号 31010612345，回电 139-1234-5678",
                Corner,
                Caller
            )
        );
        desk.Do(new AddNote(desk.Id(), Desk.Dispatcher, "已回电小明先生，说明处理时限"));
        desk.File();
        desk.Dispatch("GREEN");
        desk.Accept("GREEN");
        desk.Do(new ArriveOnSite(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", Corner));
        desk.Do(new SubmitResult(desk.Id(), Desk.StaffOf("GREEN"), "GREEN", "已清运，告知王小明", ["p.jpg"], Corner));
        desk.Do(new ApproveReview(desk.Id(), Desk.Reviewer, new Evaluation(5, "王小明表示满意")));
        return desk;
    }

    [Theory]
    [InlineData(Role.Auditor)]
    [InlineData(Role.Administrator)]
    public void The_caller_of_a_case_without_personal_data_is_masked_for_those_who_do_not_handle_cases(Role role)
    {
        var desk = ShopCase();
        var who = new Principal($"{role}.1", role);
        Assert.False(Masking.Applies(who, desk.Incident!, Desk.Catalog));

        var incident = Masking.For(who, desk.Incident!, Desk.Catalog);
        var timeline = Masking.For(who, desk.Incident!, desk.Timeline, Desk.Catalog);
        var seen = JsonSerializer.Serialize(incident, Readable) + JsonSerializer.Serialize(timeline, Readable);

        string[] secrets = ["王小明", "小明", "13912345678", "139-1234-5678"];
        foreach (var secret in secrets)
            Assert.DoesNotContain(secret, seen);
        Assert.Equal(new Reporter("王**", "139******78"), incident.Reporter);
        Assert.Equal(
            "王**来电：长寿路 88 号门口垃圾桶满溢，店铺编号 31010612345，回电 139******78",
            incident.Description
        );
        Assert.Equal("已回电**先生，说明处理时限", timeline.OfType<NoteAdded>().Single().Text);
        Assert.Equal("已清运，告知王**", timeline.OfType<ResultSubmitted>().Single().Note);
        Assert.Equal("王**表示满意", incident.Evaluation!.Comment);
        // Outside the personal-data scenarios the rest stays as entered: other numbers, and exact positions.
        Assert.Equal(Corner, incident.Location);
        Assert.Equal(Corner, timeline.OfType<IncidentReported>().Single().Location);
        Assert.Equal(Corner, timeline.OfType<ArrivedOnSite>().Single().Location);
    }

    [Theory]
    [InlineData(Role.Dispatcher)]
    [InlineData(Role.Reviewer)]
    [InlineData(Role.UnitStaff)]
    [InlineData(Role.Worker)]
    public void Those_who_handle_cases_see_the_caller_as_entered(Role role)
    {
        var desk = ShopCase();
        var who = new Principal($"{role}.1", role, "GREEN");
        Assert.Equal(desk.Incident, Masking.For(who, desk.Incident!, Desk.Catalog));
        Assert.Equal(desk.Timeline, Masking.For(who, desk.Incident!, desk.Timeline, Desk.Catalog));
    }

    [Fact]
    public void A_case_of_a_personal_data_scenario_is_still_masked_whole_for_an_auditor()
    {
        var desk = new Desk("RELIEF_URGENT", "CSL");
        desk.Do(
            new ReportIncident(
                desk.Id(),
                Desk.Dispatcher,
                "RELIEF_URGENT",
                Channel.Hotline,
                "CSL",
                "王小明来电，身份证号 310101195501011234",
                Corner,
                Caller
            )
        );
        var auditor = new Principal("audit.1", Role.Auditor);

        var incident = Masking.For(auditor, desk.Incident!, Desk.Catalog);

        Assert.Equal(Masking.Mask(desk.Incident!), incident);
        Assert.Equal("王**来电，身份证号 310*************34", incident.Description);
        Assert.NotEqual(Corner, incident.Location);
        Assert.Equal(Masking.Mask(desk.Timeline), Masking.For(auditor, desk.Incident!, desk.Timeline, Desk.Catalog));
    }
}
