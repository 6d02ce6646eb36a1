using Dispatch.Domain;
using Dispatch.Ingest.Services;
using Microsoft.Extensions.Options;

namespace Dispatch.Ingest.Tests;

public class RecentAnswersTests
{
    private static RecentAnswers Answers(int remembered) =>
        new(Options.Create(new IngestOptions { RememberedAnswers = remembered }));

    [Fact]
    public void A_remembered_answer_comes_back_as_a_replay_of_it_for_the_same_gateway_and_device_only()
    {
        var answers = Answers(10);
        answers.Remember(
            "gw-1",
            "cam-1",
            new AlertAck("a-1", Disposition.NewIncident, "PT-20261128-000001", "opened PT-20261128-000001")
        );

        var replay = answers.Find("gw-1", "cam-1", "a-1");
        Assert.Equal(
            (Disposition.DuplicateReplay, "PT-20261128-000001"),
            (replay?.Disposition, replay?.IncidentNumber)
        );
        Assert.Equal("alert a-1 was answered before: NewIncident PT-20261128-000001", replay?.Reason);
        Assert.Null(answers.Find("gw-2", "cam-1", "a-1"));
        Assert.Null(answers.Find("gw-1", "cam-2", "a-1"));
    }

    [Fact]
    public void A_refusal_is_not_remembered_so_a_corrected_alert_with_the_same_id_is_decided_afresh()
    {
        var answers = Answers(10);
        answers.Remember("gw-1", "cam-1", new AlertAck("a-1", Disposition.Rejected, null, "type: unknown", "type"));
        Assert.Null(answers.Find("gw-1", "cam-1", "a-1"));
    }

    [Fact]
    public void A_replay_is_not_remembered_in_place_of_a_first_answer()
    {
        var answers = Answers(10);
        answers.Remember(
            "gw-1",
            "cam-1",
            new AlertAck(
                "a-1",
                Disposition.DuplicateReplay,
                "PT-20261128-000001",
                "alert a-1 was answered before: Attached PT-20261128-000001"
            )
        );
        Assert.Null(answers.Find("gw-1", "cam-1", "a-1"));
    }

    [Fact]
    public void Memory_is_bounded_to_two_generations_and_forgets_the_oldest_first()
    {
        var answers = Answers(3);
        for (var i = 0; i < 10; i++)
            answers.Remember("gw", "cam", new AlertAck($"a-{i}", Disposition.Attached, "PT-20261128-000001"));

        var remembered = Enumerable.Range(0, 10).Where(i => answers.Find("gw", "cam", $"a-{i}") is not null).ToList();
        Assert.InRange(remembered.Count, 3, 6);
        Assert.Contains(9, remembered);
        Assert.DoesNotContain(0, remembered);
    }

    [Fact]
    public void Nothing_is_remembered_when_turned_off()
    {
        var answers = Answers(0);
        answers.Remember("gw", "cam", new AlertAck("a-1", Disposition.Attached, "PT-20261128-000001"));
        Assert.Null(answers.Find("gw", "cam", "a-1"));
    }
}
