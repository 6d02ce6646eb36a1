using System.Net;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.Blobs;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>
/// The archive through the API: closed incidents leave Redis after their (shortened) window and are still served,
/// read-only, from the archive; the figures of a period are the same before and after; photos live in the blob store.
/// Each test has a cluster and an archive of its own.
/// </summary>
[Collection(RedisFixture.Collection)]
public sealed class ArchiveTests(RedisFixture redis) : IAsyncLifetime
{
    /// <summary>The closed-incident window of these tests: two seconds.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private readonly string _blobs = Directory.CreateTempSubdirectory("dispatch-archive-api-").FullName;
    private TestCluster _cluster = null!;
    private ApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(redis.ConnectionString);
        var days = (Window.TotalDays).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        _api = await ApiServer.StartAsync(
            _cluster,
            redis.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Blobs:Directory"] = _blobs,
                ["Archive:ClosedIncidentDays"] = days,
                ["Archive:AlertRecordDays"] = days,
                ["Archive:ReadLogDays"] = days,
                ["Archive:FlushInterval"] = "00:00:00.200",
                // The tests run the retention themselves, when they need it.
                ["Archive:RetentionInterval"] = "01:00:00",
            }
        );
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _cluster.DisposeAsync();
        Directory.Delete(_blobs, recursive: true);
    }

    private KeySpace Keys => new(_cluster.ServiceId);
    private ReadModelKeys ReadModel => new(Keys);
    private IDatabase Db => redis.Connection.GetDatabase();

    [Fact]
    public async Task A_closed_incident_leaves_Redis_after_its_window_and_is_served_read_only_from_the_archive()
    {
        var office = new Office(_api);
        var closed = await office.InStateAsync("Closed");
        var fromCamera = await CameraIncidentAsync();
        var dispatcher = await _api.UserAsync("dispatcher");
        await dispatcher.Cases.DismissIncidentAsync(
            new DismissIncidentRequest
            {
                Number = fromCamera,
                CommandId = Id(),
                Ground = "FalseAlarm",
                Reason = "glare",
            }
        );
        var open = await office.InStateAsync("Filed");
        await _api.CaughtUpAsync();
        var before = new Dictionary<string, IncidentDetail>();
        foreach (var number in new[] { closed, fromCamera, open })
            before[number] = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal(2, before[fromCamera].Alerts.Count);
        var photo = Assert.Single(before[closed].Evidence);

        var moved = await RetainUntilAsync(2);

        Assert.Equal(2, moved);
        var record = RedisIncidentStoreRecord(closed);
        Assert.False(await Db.KeyExistsAsync(record));
        Assert.False(await Db.KeyExistsAsync(ReadModel.Incident(closed)));
        Assert.False(await Db.KeyExistsAsync(ReadModel.Alerts(fromCamera)));
        Assert.False(await Db.HashExistsAsync(ReadModel.Facts, closed));
        Assert.False(await Db.HashExistsAsync(ReadModel.Versions, fromCamera));
        Assert.Null(await Db.SortedSetScoreAsync(ReadModel.Index(Indexes.All), closed));
        Assert.Null(await Db.SortedSetScoreAsync(ReadModel.Index(Indexes.State("Dismissed")), fromCamera));
        Assert.True(await Db.KeyExistsAsync(RedisIncidentStoreRecord(open)), "an open incident stays in Redis");

        // Served from the archive as it was: state, timeline, alerts; its photo too.
        foreach (var number in new[] { closed, fromCamera, open })
            Assert.Equal(
                before[number],
                await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })
            );
        var download = await _api.Http.SendAsync(
            _api.Request(HttpMethod.Get, $"/api/v1/evidence/{photo}", dispatcher.Token)
        );
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Photo(closed).ToByteArray(), await download.Content.ReadAsByteArrayAsync());

        // Read-only: a command finds no incident to change, and nothing is written back to Redis.
        var note = await FailsAsync(() =>
            dispatcher
                .Cases.AddNoteAsync(
                    new AddNoteRequest
                    {
                        Number = closed,
                        CommandId = Id(),
                        Text = "late",
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.NotFound, note.StatusCode);
        Assert.False(await Db.KeyExistsAsync(record));
        Assert.Equal(
            before[closed],
            await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = closed })
        );

        // Who may not see it in Redis may not see it in the archive either.
        var stranger = await _api.UserAsync("green.w2");
        Assert.Equal(
            StatusCode.NotFound,
            (
                await FailsAsync(() =>
                    stranger.Field.GetTaskAsync(new GetIncidentRequest { Number = closed }).ResponseAsync
                )
            ).StatusCode
        );
    }

    [Fact]
    public async Task An_incident_number_the_archive_does_not_know_is_not_found()
    {
        var dispatcher = await _api.UserAsync("dispatcher");
        foreach (var number in new[] { "PT-20200101-000001", "../../etc/passwd", "PT-2020/0101" })
        {
            var e = await FailsAsync(() =>
                dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number }).ResponseAsync
            );
            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Contains(number, e.Status.Detail);
            Assert.Null(await _api.Services.GetRequiredService<IArchive>().IncidentAsync(number));
        }
    }

    [Fact]
    public async Task Figures_ranking_trend_and_csv_of_a_period_are_the_same_after_its_ended_incidents_left_Redis()
    {
        var office = new Office(_api);
        var dispatcher = await _api.UserAsync("dispatcher");
        var numbers = new List<string>
        {
            await office.InStateAsync("Closed"),
            await office.InStateAsync("Closed", street: "GQL"),
            await office.InStateAsync("Dismissed"),
            await office.InStateAsync("Filed"),
            await office.InStateAsync("UnderReview"),
            await office.InStateAsync("Reported"),
        };
        var merged = await office.ReportAsync();
        await dispatcher.Cases.MergeIncidentAsync(
            new MergeIncidentRequest
            {
                Number = merged,
                CommandId = Id(),
                Into = numbers[3],
                Reason = "same bin",
            }
        );
        await _api.CaughtUpAsync();
        var auditor = await _api.UserAsync("auditor");
        var before = await AuditAsync(auditor);
        Assert.Equal(7, before.Figures.Total.Reported);

        Assert.Equal(4, await RetainUntilAsync(4));

        Assert.Equal(3, await Db.HashLengthAsync(ReadModel.Facts));
        var after = await AuditAsync(auditor);
        Assert.Equal(before.Figures, after.Figures);
        Assert.Equal(before.Ranking, after.Ranking);
        Assert.Equal(before.Trend, after.Trend);
        Assert.Equal(before.Csv, after.Csv);
    }

    [Fact]
    public async Task A_period_ending_before_it_starts_or_longer_than_a_year_is_refused_naming_the_field()
    {
        var auditor = await _api.UserAsync("auditor");
        var backwards = await FailsAsync(() =>
            auditor.Audit.GetFiguresAsync(new FiguresRequest { From = "2026-03-01", To = "2026-01-01" }).ResponseAsync
        );
        var tooLong = await FailsAsync(() =>
            auditor.Audit.GetTrendAsync(new PeriodRequest { From = "2024-01-01", To = "2026-01-01" }).ResponseAsync
        );
        var notADay = await FailsAsync(() =>
            auditor.Audit.GetRankingAsync(new PeriodRequest { From = "2026-13-01" }).ResponseAsync
        );
        Assert.All([backwards, tooLong, notADay], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.StartsWith("to:", backwards.Status.Detail);
        Assert.StartsWith("to:", tooLong.Status.Detail);
        Assert.StartsWith("from:", notADay.Status.Detail);
        // A whole year that reaches back past every hot window is a period like any other.
        var year = await auditor.Audit.GetFiguresAsync(new FiguresRequest { From = "2025-12-01", To = "2026-11-30" });
        Assert.Equal("2025-12-01", year.From);
    }

    [Fact]
    public async Task Photos_are_kept_by_content_in_the_blob_store_and_Redis_keeps_only_what_each_upload_was()
    {
        var number = await new Office(_api).InStateAsync("InProgress");
        var worker = await _api.UserAsync(Worker);
        var uploaded = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/jpeg",
                Content = Photo("blob"),
                FileName = "bin.jpg",
            }
        );

        var key = EvidenceStore.Key(Keys, uploaded.Id);
        var fields = (await Db.HashGetAllAsync(key)).ToDictionary(f => (string)f.Name!, f => (string)f.Value!);
        Assert.DoesNotContain("data", fields.Keys);
        Assert.Equal(number, fields["incident"]);
        Assert.NotNull(await Db.KeyTimeToLiveAsync(key));
        var blobs = _api.Services.GetRequiredService<IBlobStore>();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Photo("blob").ToByteArray()));
        Assert.Equal(Photo("blob").ToByteArray(), await blobs.GetAsync(ArchiveLayout.EvidenceContent(sha)));
        Assert.Equal(Photo("blob").ToByteArray(), await DownloadAsync(uploaded.Id, worker.Token));

        // Once its hot time is over, the description comes from the blob store.
        await Db.KeyDeleteAsync(key);
        Assert.Equal(Photo("blob").ToByteArray(), await DownloadAsync(uploaded.Id, worker.Token));
    }

    [Fact]
    public async Task Photos_kept_in_Redis_before_move_to_the_blob_store_once()
    {
        var number = await new Office(_api).InStateAsync("InProgress");
        var worker = await _api.UserAsync(Worker);
        // A photo as the store kept it before: the content in the hash itself.
        var content = Photo("kept in redis").ToByteArray();
        var id = Id();
        await Db.HashSetAsync(
            Keys.Shared($"evidence:{id}"),
            [
                new("incident", number),
                new("type", "image/jpeg"),
                new("size", content.Length),
                new("sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))),
                new("by", Worker),
                new("name", "old.jpg"),
                new("data", content),
            ]
        );
        var migration = _api.Services.GetRequiredService<EvidenceMigration>();

        Assert.Equal(1, await migration.MigrateAsync());
        Assert.Equal(0, await migration.MigrateAsync());

        Assert.False(await Db.KeyExistsAsync(Keys.Shared($"evidence:{id}")));
        Assert.Equal(number, (string?)await Db.HashGetAsync(EvidenceStore.Key(Keys, id), "incident"));
        Assert.Equal(content, await DownloadAsync(id, worker.Token));
        var submit = new SubmitResultRequest
        {
            Number = number,
            CommandId = Id(),
            Note = "cleared",
        };
        submit.Evidence.Add(id);
        Assert.Equal("UnderReview", (await worker.Field.SubmitResultAsync(submit)).State);
    }

    private async Task<byte[]> DownloadAsync(string id, string token)
    {
        var response = await _api.Http.SendAsync(_api.Request(HttpMethod.Get, $"/api/v1/evidence/{id}", token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The audit of the last 30 days: figures by unit, ranking, trend, and the CSV export.</summary>
    private async Task<(FiguresReply Figures, RankingReply Ranking, TrendReply Trend, string Csv)> AuditAsync(
        User auditor
    )
    {
        var figures = await auditor.Audit.GetFiguresAsync(new FiguresRequest { By = "Unit" });
        var ranking = await auditor.Audit.GetRankingAsync(new PeriodRequest());
        var trend = await auditor.Audit.GetTrendAsync(new PeriodRequest());
        var csv = await _api.Http.SendAsync(
            _api.Request(HttpMethod.Get, "/api/v1/audit/figures.csv?by=Street", auditor.Token)
        );
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        return (figures, ranking, trend, await csv.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Runs the retention until <paramref name="expected"/> incidents have left Redis (their window must pass first).
    /// </summary>
    private async Task<int> RetainUntilAsync(int expected)
    {
        var retention = _api.Services.GetRequiredService<ArchiveRetention>();
        var moved = 0;
        for (var i = 0; i < 200 && moved < expected; i++)
        {
            moved += (await retention.RunAsync()).IncidentsArchived;
            if (moved < expected)
                await Task.Delay(100);
        }
        return moved;
    }

    /// <summary>
    /// An incident opened by a camera's alert (and a second alert attached to it), reported, not filed.
    /// </summary>
    private async Task<string> CameraIncidentAsync()
    {
        var grains = _api.Services.GetRequiredService<IGrainFactory>();
        var tag = Id()[..8];
        await _api.Services.GetRequiredService<GatewayRegistry>().RegisterAsync($"gw-{tag}", "bank cameras");
        var camera = grains.GetGrain<IDeviceGrain>($"cam-{tag}");
        var bank = new Domain.GeoPoint(31.2452, 121.4105);
        await camera.RegisterAsync(
            new Domain.DeviceRegistration($"cam-{tag}", $"gw-{tag}", "creek", "camera", bank, "CYXC", "OPS")
        );
        Domain.Alert Seen(string id) =>
            new(
                id,
                $"cam-{tag}",
                $"gw-{tag}",
                "CREEK_GATHERING",
                DateTimeOffset.UtcNow.AddSeconds(-1),
                bank,
                3,
                new Domain.Detection(
                    "bank-watch",
                    "3.2",
                    0.5,
                    [new Box(0.4, 0.5, 0.1, 0.2, "person")],
                    $"frames/{id}.jpg"
                )
            );
        var first = await camera.ReceiveAsync(Seen("a1"));
        await camera.ReceiveAsync(Seen("a2"));
        return first.IncidentNumber!;
    }

    /// <summary>The incident's record key, as the incident store writes it.</summary>
    private RedisKey RedisIncidentStoreRecord(string number) =>
        Keys.Tagged($"p{new Partitions(Partitions.Default).Of(number)}", $"incident:{number}");
}
