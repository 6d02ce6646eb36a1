using Dispatch.Abstractions;
using Dispatch.Protos.V1;
using Grpc.Core;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>What a signed-in caller cannot make the system do, and what it does not show them.</summary>
[Collection(RedisFixture.Collection)]
public class SecurityTests(RedisFixture redis)
{
    [Fact]
    public async Task Reads_and_commands_on_made_up_incident_numbers_activate_no_grain()
    {
        var api = await SharedApi.StartAsync(redis);
        var cluster = await redis.SharedCluster();
        var dispatcher = await api.UserAsync("dispatcher");
        var known = await new Office(api).ReportAsync(); // every path taken once before counting
        await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = known });
        using var activations = new SecurityActivations();
        var before = activations.Created;

        var notFound = 0;
        async Task RefusedAsync(Func<Task> call)
        {
            var refusal = await FailsAsync(call);
            Assert.Equal(StatusCode.NotFound, refusal.StatusCode);
            notFound++;
        }
        for (var i = 0; i < 500; i++)
        {
            var number = $"PT-20261201-{900_000 + i:D6}";
            var read = new GetIncidentRequest { Number = number };
            await RefusedAsync(() => dispatcher.Cases.GetIncidentAsync(read).ResponseAsync);
        }
        for (var i = 0; i < 50; i++)
        {
            var number = $"PT-20261202-{900_000 + i:D6}";
            var note = new AddNoteRequest
            {
                Number = number,
                CommandId = Id(),
                Text = "x",
            };
            await RefusedAsync(() => dispatcher.Cases.AddNoteAsync(note).ResponseAsync);
        }
        var created = activations.Created - before;

        Assert.Equal(550, notFound);
        Assert.Equal(0, created);
        // The count is live: a grain asked for directly is activated, and counted.
        var control = $"PT-20261203-{Random.Shared.Next(900_000, 999_999)}";
        Assert.Null(await cluster.Grains.GetGrain<IIncidentGrain>(control).GetAsync());
        Assert.True(await activations.AtLeastAsync(before, 1) >= 1, "the Orleans meter counted no activation at all");
    }

    [Fact]
    public async Task An_auditor_reading_a_hotline_case_of_no_personal_data_sees_the_caller_masked_the_rest_as_is()
    {
        var api = await SharedApi.StartAsync(redis);
        var number = await new Office(api).ReportAsync(
            reporter: "王小明",
            phone: "13912345678",
            description: "王小明来电：店门口垃圾桶满溢，店铺编号 31010612345，回电 13912345678"
        );
        var dispatcher = await api.UserAsync("dispatcher");
        await dispatcher.Cases.AddNoteAsync(
            new AddNoteRequest
            {
                Number = number,
                CommandId = Id(),
                Text = "已回电王小明",
            }
        );
        var auditor = await api.UserAsync("auditor");

        var seen = await auditor.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        var handled = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });

        var all = seen.ToString();
        Assert.DoesNotContain("王小明", all);
        Assert.DoesNotContain("小明", all);
        Assert.DoesNotContain("13912345678", all);
        Assert.Equal(("王**", "139******78"), (seen.Reporter.Name, seen.Reporter.Phone));
        Assert.Equal("王**来电：店门口垃圾桶满溢，店铺编号 31010612345，回电 139******78", seen.Description);
        Assert.False(seen.Summary.Masked);
        Assert.Equal(handled.Summary.Location, seen.Summary.Location);
        Assert.Equal("王小明", handled.Reporter.Name);
        Assert.Contains("已回电王**", seen.Timeline.Select(e => e.DetailsJson).Single(d => d.Contains("已回电")));
    }
}
