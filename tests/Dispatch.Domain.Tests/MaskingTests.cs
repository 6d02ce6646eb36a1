using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class MaskingTests
{
    private static readonly JsonSerializerOptions Readable = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private static readonly Reporter Caller = new("李秀英", "13912345678");

    /// <summary>A relief case whose caller's name and phone recur in every kind of free text of its timeline.</summary>
    private static Desk ReliefCase()
    {
        var desk = new Desk("RELIEF_URGENT", "CSL");
        desk.Do(
            new ReportIncident(
                desk.Id(),
                Desk.Dispatcher,
                "RELIEF_URGENT",
                Channel.Hotline,
                "CSL",
                "李秀英来电：老伴突发重病住院，家中无收入，回电 139-1234-5678",
                new GeoPoint(31.2412345, 121.4416789),
                Caller
            )
        );
        desk.Do(new AddNote(desk.Id(), Desk.Dispatcher, "已回电秀英女士，核实低保身份证号 310101195501011234"));
        desk.File();
        desk.Dispatch("CIVAFF", "CSL");
        desk.Do(new ReturnAssignment(desk.Id(), Desk.StaffOf("CSL"), "CSL", "李秀英户籍不在本街道"));
        desk.Do(new UrgeIncident(desk.Id(), Desk.Dispatcher, "CIVAFF", "李秀英再次来电 139 1234 5678，请尽快上门"));
        desk.Accept("CIVAFF");
        desk.Arrive("CIVAFF");
        desk.Do(
            new SubmitResult(desk.Id(), Desk.StaffOf("CIVAFF"), "CIVAFF", "已为李秀英办理临时救助 3000 元", ["p.jpg"])
        );
        desk.Do(new ApproveReview(desk.Id(), Desk.Reviewer, new Evaluation(5, "回访李秀英，表示满意")));
        return desk;
    }

    [Fact]
    public void An_auditor_s_view_of_a_relief_case_shows_the_caller_s_name_and_phone_nowhere()
    {
        var desk = ReliefCase();
        var auditor = new Principal("audit.1", Role.Auditor);
        Assert.True(Masking.Applies(auditor, desk.Incident!, Desk.Catalog));

        var seen =
            JsonSerializer.Serialize(Masking.Mask(desk.Incident!), Readable)
            + JsonSerializer.Serialize(Masking.Mask(desk.Timeline), Readable);

        Assert.Contains("李秀英", JsonSerializer.Serialize(desk.Timeline, Readable));
        string[] secrets = ["李秀英", "秀英", "13912345678", "139-1234-5678", "139 1234 5678", "1234-5678", "0101195"];
        foreach (var secret in secrets)
            Assert.DoesNotContain(secret, seen);
        Assert.Contains("李**", seen);
        Assert.Contains("139******78", seen);
        Assert.Contains("3000 元", seen);
    }

    [Fact]
    public void Every_free_text_of_the_timeline_is_masked()
    {
        var masked = Masking.Mask(ReliefCase().Timeline);
        Assert.StartsWith("李**来电", masked.OfType<IncidentReported>().Single().Description);
        Assert.Equal("已回电**女士，核实低保身份证号 310*************34", masked.OfType<NoteAdded>().Single().Text);
        Assert.Equal("李**户籍不在本街道", masked.OfType<AssignmentReturned>().Single().Reason);
        Assert.Equal("李**再次来电 139******78，请尽快上门", masked.OfType<IncidentUrged>().Single().Text);
        Assert.Equal("已为李**办理临时救助 3000 元", masked.OfType<ResultSubmitted>().Single().Note);
        Assert.Equal("回访李**，表示满意", masked.OfType<IncidentClosed>().Single().Evaluation.Comment);
    }

    [Fact]
    public void An_event_is_masked_with_the_reporter_it_is_given()
    {
        var note = new NoteAdded("Alice Smith called back; Smith says the door is green");
        var masked = (NoteAdded)Masking.Mask(note, new Reporter("Alice Smith"));
        Assert.Equal("A********** called back; S**** says the door is green", masked.Text);
        Assert.Equal(note, Masking.Mask(note, null));
    }

    [Fact]
    public void A_two_character_name_is_masked_whole_and_its_given_name_alone_is_left()
    {
        Assert.Equal("张* 说三楼漏水", Masking.Text("张三 说三楼漏水", new Reporter("张三")));
    }
}
