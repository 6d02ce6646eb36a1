using System.Net;
using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Protos.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Api.Tests;

/// <summary>Open311 GeoReport v2, as a citizen app written for that standard would call it.</summary>
[Collection(RedisFixture.Collection)]
public class Open311Tests(RedisFixture redis)
{
    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<string> CreateAsync(ApiServer api, params (string Key, string Value)[] fields)
    {
        var created = await api.Http.PostAsync("/open311/v2/requests.json", Form([("api_key", "test-key"), .. fields]));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        return (await JsonAsync(created))[0].GetProperty("service_request_id").GetString()!;
    }

    private static async Task<JsonElement> RequestAsync(ApiServer api, string id)
    {
        var response = await api.Http.GetAsync($"/open311/v2/requests/{id}.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single((await JsonAsync(response)).EnumerateArray());
    }

    private static async Task<IReadOnlyList<string>> IdsAsync(ApiServer api, string query) =>
        [
            .. (await JsonAsync(await api.Http.GetAsync($"/open311/v2/requests.json?{query}")))
                .EnumerateArray()
                .Select(r => r.GetProperty("service_request_id").GetString()!),
        ];

    private static async Task<string> StreetAsync(ApiServer api, string id)
    {
        await api.CaughtUpAsync();
        var dispatcher = await api.UserAsync("dispatcher");
        return (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = id })).Summary.Street;
    }

    private static DateTimeOffset Seconds(DateTimeOffset t) =>
        new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    private static DateTimeOffset Time(JsonElement request, string field) =>
        DateTimeOffset.Parse(request.GetProperty(field).GetString()!);

    [Fact]
    public async Task A_client_lists_services_creates_a_request_and_queries_it_back()
    {
        var api = await SharedApi.StartAsync(redis);

        var services = await JsonAsync(await api.Http.GetAsync("/open311/v2/services.json"));
        var bins = services
            .EnumerateArray()
            .Single(s => s.GetProperty("service_code").GetString() == "SHOP_BIN_OVERFLOW");
        Assert.Equal("realtime", bins.GetProperty("type").GetString());
        var definition = await JsonAsync(await api.Http.GetAsync("/open311/v2/services/SHOP_BIN_OVERFLOW.json"));
        Assert.Equal("SHOP_BIN_OVERFLOW", definition.GetProperty("service_code").GetString());

        var id = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_OVERFLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("description", "垃圾桶满了，电话13812345678"),
            ("first_name", "Wei"),
            ("last_name", "Zhang"),
            ("phone", "13812345678")
        );
        Assert.StartsWith("PT-", id);
        await api.CaughtUpAsync();

        var one = await RequestAsync(api, id);
        Assert.Equal(id, one.GetProperty("service_request_id").GetString());
        Assert.Equal("open", one.GetProperty("status").GetString());
        Assert.Equal("SHOP_BIN_OVERFLOW", one.GetProperty("service_code").GetString());
        Assert.DoesNotContain("13812345678", one.GetRawText());
        Assert.False(one.TryGetProperty("first_name", out _));
        Assert.Contains(id, await IdsAsync(api, "service_code=SHOP_BIN_OVERFLOW&status=open"));
        Assert.Equal(id, Assert.Single(await IdsAsync(api, $"service_request_id={id},PT-20991231-000001")));

        var dispatcher = await api.UserAsync("dispatcher");
        var incident = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = id });
        Assert.Equal("CitizenApp", incident.Summary.Channel);
        Assert.Equal("CSL", incident.Summary.Street);
        Assert.Equal("Wei Zhang", incident.Reporter.Name);
    }

    [Fact]
    public async Task A_retried_create_with_the_same_idempotency_key_gets_the_same_request()
    {
        var api = await SharedApi.StartAsync(redis);
        var key = Guid.NewGuid().ToString("N");
        async Task<string> CreateAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.json")
            {
                Content = Form(
                    ("api_key", "test-key"),
                    ("service_code", "CREEK_LITTERING"),
                    ("lat", "31.245"),
                    ("long", "121.43")
                ),
                Headers = { { "Idempotency-Key", key } },
            };
            var answer = await JsonAsync(await api.Http.SendAsync(request));
            return answer[0].GetProperty("service_request_id").GetString()!;
        }
        Assert.Equal(await CreateAsync(), await CreateAsync());
    }

    [Fact]
    public async Task A_group_rental_request_is_followed_publicly_without_its_description_or_position()
    {
        var api = await SharedApi.StartAsync(redis);
        var id = await CreateAsync(
            api,
            ("service_code", "RENTAL_YELLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("description", "3号楼502室住了十几个人"),
            ("address_string", "长寿路100弄3号502室")
        );
        await api.CaughtUpAsync();

        var text = await (await api.Http.GetAsync($"/open311/v2/requests/{id}.json")).Content.ReadAsStringAsync();
        var shown = JsonDocument.Parse(text).RootElement[0];

        Assert.Equal("open", shown.GetProperty("status").GetString());
        Assert.DoesNotContain("502", text);
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("lat").ValueKind);
    }

    [Theory]
    [InlineData("", "SHOP_BIN_OVERFLOW", "31.24", "121.44", 403, "api_key")]
    [InlineData("wrong", "SHOP_BIN_OVERFLOW", "31.24", "121.44", 403, "api_key")]
    [InlineData("test-key", "NO_SUCH", "31.24", "121.44", 404, "service_code")]
    [InlineData("test-key", "DEVICE_OFFLINE", "31.24", "121.44", 404, "service_code")]
    [InlineData("test-key", "", "31.24", "121.44", 400, "service_code")]
    [InlineData("test-key", "NO SUCH!", "31.24", "121.44", 400, "service_code")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "", "121.44", 400, "lat")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "31.24", "", 400, "long")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "north", "121.44", 400, "lat")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "39.90", "116.40", 400, "lat")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "", "", 400, "lat and long, address_string or address_id")]
    public async Task A_bad_create_is_refused_with_an_open311_error_naming_the_field(
        string key,
        string code,
        string lat,
        string lon,
        int status,
        string field
    )
    {
        var api = await SharedApi.StartAsync(redis);
        var response = await api.Http.PostAsync(
            "/open311/v2/requests.json",
            Form(("api_key", key), ("service_code", code), ("lat", lat), ("long", lon))
        );
        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response))[0];
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.StartsWith(field, error.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("上海市普陀区长寿路100号", "CSL")]
    [InlineData("曹杨新村 8 村 12 号楼下", "CYXC")]
    [InlineData("ＣＨＡＮＧＦＥＮＧ　ＰＡＲＫ east gate", "CFXC")]
    [InlineData("真如寺旁边的小巷", "ZR")]
    [InlineData("桃 浦 镇 武威路口", "TP")]
    public async Task A_request_located_by_its_address_string_alone_lies_in_the_street_the_gazetteer_gives(
        string address,
        string street
    )
    {
        var api = await SharedApi.StartAsync(redis);
        var id = await CreateAsync(api, ("service_code", "SHOP_BIN_ON_STREET"), ("address_string", address));

        Assert.Equal(street, await StreetAsync(api, id));
        var shown = await RequestAsync(api, id);
        var at = new Domain.GeoPoint(shown.GetProperty("lat").GetDouble(), shown.GetProperty("long").GetDouble());
        Assert.True(api.Services.GetRequiredService<Domain.Catalog>().District.Bounds.Contains(at));
        Assert.EndsWith($"（{address}）", shown.GetProperty("description").GetString());
    }

    [Fact]
    public async Task An_address_that_cannot_be_located_is_refused_naming_address_string()
    {
        var api = await SharedApi.StartAsync(redis);
        var response = await api.Http.PostAsync(
            "/open311/v2/requests.json",
            Form(
                ("api_key", "test-key"),
                ("service_code", "SHOP_BIN_ON_STREET"),
                ("address_string", "北京市东城区王府井大街1号")
            )
        );
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var description = (await JsonAsync(response))[0].GetProperty("description").GetString()!;
        Assert.StartsWith("address_string", description);
        Assert.Contains("could not be located", description);
    }

    [Fact]
    public async Task Lat_and_long_win_over_an_address_string_and_an_address_id_names_a_gazetteer_place()
    {
        var api = await SharedApi.StartAsync(redis);
        var byPosition = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_ON_STREET"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("address_string", "长风公园")
        );
        var byId = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_ON_STREET"),
            ("address_id", "place-changfeng-park")
        );
        var unknown = await api.Http.PostAsync(
            "/open311/v2/requests.json",
            Form(("api_key", "test-key"), ("service_code", "SHOP_BIN_ON_STREET"), ("address_id", "place-nowhere"))
        );

        Assert.Equal("CSL", await StreetAsync(api, byPosition));
        Assert.Equal("CFXC", await StreetAsync(api, byId));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.StartsWith("address_id", (await JsonAsync(unknown))[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_media_url_is_kept_as_evidence_and_shown_only_for_cases_without_personal_data()
    {
        var api = await SharedApi.StartAsync(redis);
        var cluster = await redis.SharedCluster();
        const string bin = "https://photos.example.org/open311/bin.jpg?size=large";
        const string rental = "https://photos.example.org/open311/rental.jpg";
        var open = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_OVERFLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("media_url", bin)
        );
        var personal = await CreateAsync(
            api,
            ("service_code", "RENTAL_YELLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("media_url", rental)
        );

        var media = new Open311Media(
            redis.Connection,
            new KeySpace(cluster.ServiceId),
            new Partitions(Partitions.Default),
            api.Services.GetRequiredService<Polly.Registry.ResiliencePipelineProvider<string>>()
        );
        Assert.Equal(
            new Dictionary<string, string> { [open] = bin, [personal] = rental },
            await media.FindAsync([open, personal])
        );
        await api.CaughtUpAsync();
        Assert.Equal(bin, (await RequestAsync(api, open)).GetProperty("media_url").GetString());
        Assert.Equal(JsonValueKind.Null, (await RequestAsync(api, personal)).GetProperty("media_url").ValueKind);
        var listed = await JsonAsync(
            await api.Http.GetAsync($"/open311/v2/requests.json?service_request_id={open},{personal}")
        );
        Assert.Equal(bin, listed[0].GetProperty("media_url").GetString());
        Assert.DoesNotContain(rental, listed.GetRawText());
    }

    [Theory]
    [InlineData("ftp://photos.example.org/bin.jpg")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/photos/bin.jpg")]
    [InlineData("https://someone:secret@photos.example.org/bin.jpg")]
    [InlineData("https://photos.example.org/bin .jpg")]
    [InlineData("https://photos.example.org/very-long")]
    public async Task A_media_url_that_is_not_an_http_url_of_at_most_2048_characters_is_refused_by_name(string url)
    {
        var api = await SharedApi.StartAsync(redis);
        if (url.EndsWith("very-long"))
            url += new string('x', 2048);
        var response = await api.Http.PostAsync(
            "/open311/v2/requests.json",
            Form(
                ("api_key", "test-key"),
                ("service_code", "SHOP_BIN_OVERFLOW"),
                ("lat", "31.2412"),
                ("long", "121.4411"),
                ("media_url", url)
            )
        );
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("media_url", (await JsonAsync(response))[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_status_list_is_accepted_and_an_unknown_status_or_service_is_refused_by_name()
    {
        var api = await SharedApi.StartAsync(redis);
        var open = await CreateAsync(api, ("service_code", "SHOP_SORTING"), ("lat", "31.2412"), ("long", "121.4411"));
        var closed = await new Office(api).InStateAsync("Closed", type: "SHOP_SORTING");
        await api.CaughtUpAsync();

        var both = await IdsAsync(api, "status=open,closed&service_code=SHOP_SORTING");
        Assert.Contains(open, both);
        Assert.Contains(closed, both);
        var again = await IdsAsync(api, "status=closed,open&service_code=SHOP_SORTING,SHOP_SORTING");
        Assert.Equal(both.Order(), again.Order());
        Assert.DoesNotContain(open, await IdsAsync(api, "status=closed&service_code=SHOP_SORTING"));
        Assert.DoesNotContain(closed, await IdsAsync(api, "status=open&service_code=SHOP_SORTING"));
        Assert.DoesNotContain(open, await IdsAsync(api, "status=open&service_code=SHOP_BIN_OVERFLOW,CREEK_LITTERING"));

        foreach (
            var (query, field) in new[]
            {
                ("status=open,resolved", "status"),
                ("service_code=SHOP_SORTING,NO_SUCH", "service_code"),
                ("start_date=yesterday", "start_date"),
                ("start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "end_date"),
            }
        )
        {
            var refused = await api.Http.GetAsync($"/open311/v2/requests.json?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.StartsWith(field, (await JsonAsync(refused))[0].GetProperty("description").GetString());
        }
    }

    [Fact]
    public async Task A_hotline_case_shows_the_public_neither_its_description_nor_its_caller()
    {
        var api = await SharedApi.StartAsync(redis);
        var number = await new Office(api).ReportAsync(
            reporter: "王小明",
            phone: "13912345678",
            description: "王小明来电：小区门口垃圾桶满溢，回电13912345678"
        );
        await api.CaughtUpAsync();

        foreach (var format in new[] { "json", "xml" })
        {
            var response = await api.Http.GetAsync($"/open311/v2/requests/{number}.{format}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains(number, text);
            Assert.DoesNotContain("小明", text);
            Assert.DoesNotContain("小区门口", text);
            Assert.DoesNotContain("1391", text);
        }
        var shown = await RequestAsync(api, number);
        Assert.Equal(shown.GetProperty("service_name").GetString(), shown.GetProperty("description").GetString());
    }

    [Fact]
    public async Task The_reporter_name_is_masked_in_the_public_description_of_a_citizen_request()
    {
        var api = await SharedApi.StartAsync(redis);
        var id = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_OVERFLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("first_name", "Wei"),
            ("last_name", "Zhang"),
            ("description", "This is Zhang Wei, the bins by my shop overflow")
        );
        await api.CaughtUpAsync();

        var description = (await RequestAsync(api, id)).GetProperty("description").GetString()!;
        Assert.Contains("the bins by my shop overflow", description);
        Assert.DoesNotContain("Zhang", description);
        Assert.DoesNotContain("Wei", description);
    }

    [Fact]
    public async Task Status_notes_and_the_updated_and_expected_times_follow_the_incident()
    {
        var api = await SharedApi.StartAsync(redis);
        var office = new Office(api);
        var accepted = await office.InStateAsync("Accepted");
        var closed = await office.InStateAsync("Closed");
        await api.CaughtUpAsync();
        var dispatcher = await api.UserAsync("dispatcher");
        var unit = api.Services.GetRequiredService<Domain.Catalog>().FindUnit(Office.LeadUnit)!;

        var acceptedDetail = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = accepted });
        var shown = await RequestAsync(api, accepted);
        Assert.Equal("open", shown.GetProperty("status").GetString());
        Assert.Contains($"{unit.Zh}已签收", shown.GetProperty("status_notes").GetString());
        Assert.Contains($"accepted by {unit.En}", shown.GetProperty("status_notes").GetString());
        Assert.EndsWith("+08:00", shown.GetProperty("updated_datetime").GetString());
        var acceptedAt = acceptedDetail.Timeline.Last(e => e.Kind == "accepted").At.ToDateTimeOffset();
        Assert.Equal(Seconds(acceptedAt), Time(shown, "updated_datetime"));
        var handlingDue = acceptedDetail.Deadlines.Single(d => d.Stage == "Handling").DueAt.ToDateTimeOffset();
        Assert.Equal(Seconds(handlingDue), Time(shown, "expected_datetime"));
        Assert.True(Time(shown, "updated_datetime") >= Time(shown, "requested_datetime"));

        var closedDetail = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = closed });
        var ended = await RequestAsync(api, closed);
        Assert.Equal("closed", ended.GetProperty("status").GetString());
        Assert.StartsWith("已结案", ended.GetProperty("status_notes").GetString());
        Assert.Equal(JsonValueKind.Null, ended.GetProperty("expected_datetime").ValueKind);
        var closedAt = closedDetail.Timeline.Last(e => e.Kind == "closed").At.ToDateTimeOffset();
        Assert.Equal(Seconds(closedAt), Time(ended, "updated_datetime"));
    }

    [Fact]
    public async Task A_request_is_readable_right_after_its_post_though_made_up_ids_reach_no_incident()
    {
        await using var cluster = await TestCluster.StartAsync(redis.ConnectionString);
        await using var api = await ApiServer.StartAsync(cluster, redis.ConnectionString);
        // The read model lags behind for as long as its projection is stopped.
        await api.Services.GetRequiredService<IncidentProjection>().StopAsync(CancellationToken.None);
        var today = DateTime.UtcNow.AddHours(8).ToString("yyyyMMdd");
        string[] madeUpIds =
        [
            "PT-20991231-000001",
            "PT-20200101-000001",
            $"XX-{today}-000001",
            $"PT-{today}-12",
            $"PT-{today}-00000a",
            "made-up",
        ];
        foreach (var madeUp in madeUpIds)
        {
            var response = await api.Http.GetAsync($"/open311/v2/requests/{madeUp}.json");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Empty(await IdsAsync(api, $"service_request_id={madeUp}"));
        }
        Assert.Equal(0, await IncidentActivationsAsync(cluster));

        var id = await CreateAsync(
            api,
            ("service_code", "SHOP_BIN_OVERFLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("description", "刚刚报的")
        );

        Assert.True(await IncidentActivationsAsync(cluster) > 0, "the report's incident is active and counted");
        Assert.Null(await api.Services.GetRequiredService<ReadModelStore>().GetAsync(id));
        var shown = await RequestAsync(api, id);
        Assert.Equal(id, shown.GetProperty("service_request_id").GetString());
        Assert.Equal("刚刚报的", shown.GetProperty("description").GetString());
        Assert.Equal(Time(shown, "requested_datetime"), Time(shown, "updated_datetime"));
        Assert.StartsWith("已受理", shown.GetProperty("status_notes").GetString());
        var xml = await api.Http.GetAsync($"/open311/v2/requests/{id}.xml");
        Assert.Equal(HttpStatusCode.OK, xml.StatusCode);
        var document = System.Xml.Linq.XDocument.Parse(await xml.Content.ReadAsStringAsync());
        Assert.Equal("service_requests", document.Root!.Name.LocalName);
        var request = Assert.Single(document.Root.Elements("request"));
        Assert.Equal(id, request.Element("service_request_id")!.Value);
        Assert.Equal(id, Assert.Single(await IdsAsync(api, $"service_request_id={id}")));
    }

    private static async Task<int> IncidentActivationsAsync(TestCluster cluster) =>
        (await cluster.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains("IncidentGrain", StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
}
