using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Grains;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Grpc.Core;
using StackExchange.Redis;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>
/// The read model against the truth: after random commands the lists agree with the grains, the audit figures
/// and daily counters agree with a recomputation from the event log, and a restarted or replayed projection
/// loses and doubles nothing. Each test has a cluster of its own, so its read model holds only its incidents.
/// </summary>
[Collection(RedisFixture.Collection)]
public class ReadModelTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly Lifecycle Lifecycle = new(CatalogLoader.Load(CatalogLoader.DefaultDirectory()));
    private TestCluster cluster = null!;
    private ApiServer api = null!;
    private readonly List<string> numbers = [];

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync(redis.ConnectionString);
        api = await ApiServer.StartAsync(cluster, redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private IncidentEventStream Events => new(new KeySpace(cluster.ServiceId), new Partitions(Partitions.Default));

    [Fact]
    public async Task After_random_commands_the_lists_agree_with_the_grains()
    {
        await RandomCommandsAsync(new Random(4), incidents: 12, commands: 80);
        await api.CaughtUpAsync();
        var dispatcher = await api.UserAsync("dispatcher");

        var truth = await GrainStatesAsync();
        var all = await dispatcher.Cases.ListIncidentsAsync(new ListIncidentsRequest { PageSize = 200 });
        Assert.Equal(truth.Count, all.Total);
        foreach (var item in all.Items)
        {
            Assert.Equal(truth[item.Number].State.ToString(), item.State);
            Assert.Equal(truth[item.Number].Version, item.Version);
        }
        foreach (var state in truth.Values.Select(i => i.State).Distinct())
        {
            var listed = await dispatcher.Cases.ListIncidentsAsync(
                new ListIncidentsRequest
                {
                    PageSize = 200,
                    Filter = new IncidentFilter { States = { state.ToString() } },
                }
            );
            Assert.Equal(
                truth.Values.Where(i => i.State == state).Select(i => i.Number).Order(),
                listed.Items.Select(i => i.Number).Order()
            );
        }
        var green = await dispatcher.Cases.ListIncidentsAsync(
            new ListIncidentsRequest
            {
                PageSize = 200,
                Filter = new IncidentFilter { Units = { LeadUnit }, OpenOnly = true },
            }
        );
        Assert.Equal(
            truth.Values.Where(i => i.AssignmentOf(LeadUnit) is not null && i.IsOpen).Select(i => i.Number).Order(),
            green.Items.Select(i => i.Number).Order()
        );

        var paged = new List<string>();
        var token = "";
        do
        {
            var page = await dispatcher.Cases.ListIncidentsAsync(
                new ListIncidentsRequest { PageSize = 5, PageToken = token }
            );
            paged.AddRange(page.Items.Select(i => i.Number));
            token = page.NextPageToken;
        } while (token != "");
        Assert.Equal(all.Items.Select(i => i.Number), paged);
    }

    [Fact]
    public async Task Audit_figures_and_daily_counters_agree_with_a_recomputation_from_the_event_log()
    {
        await RandomCommandsAsync(new Random(7), incidents: 10, commands: 70);
        await api.CaughtUpAsync();
        await AssertAgreesWithEventLogAsync();
    }

    [Fact]
    public async Task A_restarted_or_replayed_projection_loses_and_doubles_nothing()
    {
        await RandomCommandsAsync(new Random(11), incidents: 6, commands: 30);
        await api.DisposeAsync();

        // While no projection runs, the incidents go on changing (the ingest and the silos need no API).
        foreach (var number in numbers)
            await cluster
                .Grains.GetGrain<IIncidentGrain>(number)
                .ExecuteAsync(
                    new AddNote(
                        Id(),
                        new Actor("dispatcher", Dispatch.Domain.Role.Dispatcher, "OPS"),
                        "while the API was down"
                    )
                );
        api = await ApiServer.StartAsync(cluster, redis.ConnectionString);
        await RandomCommandsAsync(new Random(12), incidents: 2, commands: 20);
        await api.CaughtUpAsync();
        await AssertAgreesWithEventLogAsync();

        // Deliver the whole stream to the projection again, as a crash before every acknowledgement would.
        foreach (var partition in Events.Partitions.All)
            await redis
                .Connection.GetDatabase()
                .ExecuteAsync("XGROUP", "SETID", Events.Key(partition), "read-model", "0");
        await api.CaughtUpAsync();
        await AssertAgreesWithEventLogAsync();
    }

    private async Task AssertAgreesWithEventLogAsync()
    {
        var events = new List<(string Number, IncidentEvent Event)>();
        foreach (var partition in Events.Partitions.All)
            foreach (var entry in await redis.Connection.GetDatabase().StreamRangeAsync(Events.Key(partition)))
                events.AddRange(Events.Read(entry) is var read ? read.Events.Select(e => (read.Number, e)) : []);
        var facts = events
            .GroupBy(e => e.Number)
            .Select(g => IncidentFactsFold.From(g.Select(e => e.Event).OrderBy(e => e.Seq), Lifecycle))
            .ToList();
        var zone = Lifecycle.Catalog.Calendar.TimeZone;
        var auditor = await api.UserAsync("auditor");

        var figures = await auditor.Audit.GetFiguresAsync(new FiguresRequest { By = "Unit" });
        Assert.Equal(Services.ApiMapping.ToProto(Scorecard.Compute(facts)), WithoutCounts(figures.Total));
        Assert.Equal(
            Scorecard.By(facts, Dimension.Unit).Select(g => (g.Key, Services.ApiMapping.ToProto(g.Figures))),
            figures.Groups.Select(g => (g.Key, WithoutCounts(g.Figures)))
        );
        Assert.Equal(numbers.Count, figures.Total.Reported);
        // The counts beside the on-time rates are the rates' own numerators and denominators.
        Assert.Equal(
            figures.Total.OnTimeHandlingRate,
            (double)figures.Total.OnTimeHandling / figures.Total.HandlingMeasured,
            9
        );

        // Units with fewer cases than the minimum sample keep their figures but are not graded (样本不足).
        var ranking = await auditor.Audit.GetRankingAsync(new PeriodRequest());
        Assert.Equal(
            Scorecard
                .Rank(facts)
                .Where(r => r.Figures.Reported >= ranking.MinimumSample)
                .Select(r => (r.Unit, r.Grade.ToString())),
            ranking.Units.Where(u => !u.Insufficient).Select(u => (u.Unit, u.Grade))
        );
        Assert.All(
            ranking.Units.Where(u => u.Insufficient),
            u => Assert.True(u.Rank == 0 && u.Grade == "" && u.Figures.Reported < ranking.MinimumSample)
        );
        Assert.Equal(Scorecard.Rank(facts).Select(r => r.Unit).Order(), ranking.Units.Select(u => u.Unit).Order());
        Assert.NotEmpty(ranking.Units);
        var trend = await auditor.Audit.GetTrendAsync(new PeriodRequest());
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        Assert.Equal(
            Scorecard
                .Trend(facts, today.AddDays(-29), today, zone)
                .Select(p => (p.Day.ToString("yyyy-MM-dd"), p.Reported, p.Closed, p.ClosedOnTime)),
            trend.Days.Select(p => (p.Day, p.Reported, p.Closed, p.ClosedOnTime))
        );

        foreach (var day in trend.Days)
        {
            var expected = events
                .Where(e =>
                    DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(e.Event.At, zone).DateTime).ToString("yyyy-MM-dd")
                    == day.Day
                )
                .GroupBy(e => DispatchSerialization.KindOf(e.Event))
                .ToDictionary(k => k.Key, k => (long)k.Count());
            Assert.Equal(expected.OrderBy(k => k.Key), day.Events.OrderBy(k => k.Key));
        }
        Assert.Equal(events.Count, trend.Days.Sum(d => d.Events.Values.Sum()));
    }

    private async Task<Dictionary<string, Incident>> GrainStatesAsync()
    {
        var states = new Dictionary<string, Incident>();
        foreach (var number in numbers)
            states[number] = (await cluster.Grains.GetGrain<IIncidentGrain>(number).GetAsync())!;
        return states;
    }

    /// <summary>
    /// Reports incidents, then sends random commands by the people who would send them; refusals are part of the game.
    /// </summary>
    private async Task RandomCommandsAsync(Random random, int incidents, int commands)
    {
        var office = new Office(api);
        // at least one through the whole loop, so every figure has something to show
        numbers.Add(await office.InStateAsync("Closed"));
        for (var i = 1; i < incidents; i++)
            numbers.Add(await office.ReportAsync(street: random.Next(2) == 0 ? "CSL" : "GQL"));
        var dispatcher = await api.UserAsync("dispatcher");
        var worker = await api.UserAsync(Worker);
        var reviewer = await api.UserAsync("reviewer");
        for (var i = 0; i < commands; i++)
        {
            var number = numbers[random.Next(numbers.Count)];
            Func<Task> command = random.Next(13) switch
            {
                0 => () =>
                    dispatcher
                        .Cases.FileIncidentAsync(new IncidentCommandRequest { Number = number, CommandId = Id() })
                        .ResponseAsync,
                1 => () =>
                    dispatcher
                        .Cases.DismissIncidentAsync(
                            new DismissIncidentRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Ground = "OutOfScope",
                                Reason = "private",
                            }
                        )
                        .ResponseAsync,
                2 or 3 => () =>
                    dispatcher
                        .Cases.DispatchIncidentAsync(
                            new DispatchIncidentRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                LeadUnit = LeadUnit,
                                Worker = Worker,
                            }
                        )
                        .ResponseAsync,
                4 => () =>
                    worker.Field.AcceptAsync(new AcceptRequest { Number = number, CommandId = Id() }).ResponseAsync,
                5 => () =>
                    worker.Field.ArriveAsync(new ArriveRequest { Number = number, CommandId = Id() }).ResponseAsync,
                6 => () => SubmitAsync(worker, number),
                7 => () =>
                    reviewer
                        .Cases.ReviewAsync(
                            new ReviewRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Approve = random.Next(3) > 0,
                                Rating = 4,
                                Comment = "photo unclear",
                            }
                        )
                        .ResponseAsync,
                8 => () =>
                    worker
                        .Field.ReturnAsync(
                            new ReturnRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Reason = "not ours",
                            }
                        )
                        .ResponseAsync,
                9 => () =>
                    dispatcher
                        .Cases.DeferAsync(
                            new DeferRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Resume = random.Next(2) == 0,
                                Reason = "permit",
                            }
                        )
                        .ResponseAsync,
                10 => () =>
                    dispatcher
                        .Cases.ApproveExtensionAsync(
                            new ApproveExtensionRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Extra = "1wd",
                                Reason = "rain",
                            }
                        )
                        .ResponseAsync,
                11 => () =>
                    dispatcher
                        .Cases.ReopenIncidentAsync(
                            new ReasonedCommandRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Reason = "back again",
                            }
                        )
                        .ResponseAsync,
                _ => () =>
                    dispatcher
                        .Cases.AddNoteAsync(
                            new AddNoteRequest
                            {
                                Number = number,
                                CommandId = Id(),
                                Text = "checked",
                            }
                        )
                        .ResponseAsync,
            };
            try
            {
                await command();
            }
            catch (RpcException e)
                when (e.StatusCode
                        is StatusCode.FailedPrecondition
                            or StatusCode.NotFound
                            or StatusCode.InvalidArgument
                            or StatusCode.PermissionDenied
                )
            { }
        }
    }

    /// <summary>The figures without the counts the API derives beside the domain's rates.</summary>
    private static Dispatch.Protos.V1.Figures WithoutCounts(Dispatch.Protos.V1.Figures figures)
    {
        var copy = figures.Clone();
        copy.OnTimeAcceptance = copy.AcceptanceMeasured = copy.OnTimeHandling = copy.HandlingMeasured = 0;
        return copy;
    }
}
