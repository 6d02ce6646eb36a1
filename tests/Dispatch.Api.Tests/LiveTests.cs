using System.Diagnostics;
using Dispatch.Protos.V1;
using Grpc.Core;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>The live stream of changes, over real HTTP/2.</summary>
[Collection(RedisFixture.Collection)]
public class LiveTests(RedisFixture redis)
{
    [Fact]
    public async Task A_subscriber_sees_a_new_incident_within_a_second()
    {
        var api = await SharedApi.StartAsync(redis);
        var dispatcher = await api.UserAsync("dispatcher");
        using var watch = dispatcher.Cases.WatchIncidents(
            new WatchIncidentsRequest { Filter = new IncidentFilter { Scenarios = { "shop" } } }
        );
        await watch.ResponseHeadersAsync;

        // The first change after the service starts pays for warming up; the second is the one measured.
        var office = new Office(api);
        await SeenAsync(watch, await office.ReportAsync(), TimeSpan.FromSeconds(30));
        var number = await office.ReportAsync();
        var reported = Stopwatch.StartNew();
        var seen = await SeenAsync(watch, number, TimeSpan.FromSeconds(1));

        Assert.NotNull(seen);
        Assert.True(reported.Elapsed < TimeSpan.FromSeconds(1), $"the change arrived after {reported.Elapsed}");
        Assert.Equal("reported", seen.Kind);
        Assert.Equal("Reported", seen.Incident.State);
    }

    private static async Task<IncidentChange?> SeenAsync(
        AsyncServerStreamingCall<IncidentChange> watch,
        string number,
        TimeSpan patience
    )
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            while (await watch.ResponseStream.MoveNext(timeout.Token))
                if (watch.ResponseStream.Current.Incident.Number == number)
                    return watch.ResponseStream.Current;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
        return null;
    }

    [Fact]
    public async Task A_worker_hears_only_of_their_own_tasks_and_each_change_of_them()
    {
        var api = await SharedApi.StartAsync(redis);
        var office = new Office(api);
        var worker = await api.UserAsync(Worker);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = worker.Cases.WatchIncidents(new WatchIncidentsRequest(), cancellationToken: cancel.Token);
        await watch.ResponseHeadersAsync;

        var notTheirs = await office.ReportAsync();
        var theirs = await office.InStateAsync("Dispatched");
        await worker.Field.AcceptAsync(new AcceptRequest { Number = theirs, CommandId = Id() });

        var heard = new List<IncidentChange>();
        while (!heard.Any(c => c.Incident.State == "Accepted") && await watch.ResponseStream.MoveNext(cancel.Token))
            heard.Add(watch.ResponseStream.Current);

        Assert.DoesNotContain(heard, c => c.Incident.Number == notTheirs);
        Assert.Equal(
            ["Dispatched", "Accepted"],
            heard.Where(c => c.Incident.Number == theirs).Select(c => c.Incident.State)
        );
    }

    [Fact]
    public async Task Watching_needs_a_token()
    {
        var api = await SharedApi.StartAsync(redis);
        using var watch = new Cases.CasesClient(api.Channel).WatchIncidents(new WatchIncidentsRequest());
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            watch.ResponseStream.MoveNext(CancellationToken.None)
        );
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }
}
