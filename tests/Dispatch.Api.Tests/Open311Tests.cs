using System.Net;
using System.Text.Json;

namespace Dispatch.Api.Tests;

/// <summary>Open311 GeoReport v2, as a citizen app written for that standard would call it.</summary>
[Collection(RedisFixture.Collection)]
public class Open311Tests(RedisFixture redis)
{
    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task A_client_lists_services_creates_a_request_and_queries_it_back()
    {
        var api = await SharedApi.StartAsync(redis);

        var services = await JsonAsync(await api.Http.GetAsync("/open311/v2/services.json"));
        var bins = services.EnumerateArray().Single(s => s.GetProperty("service_code").GetString() == "SHOP_BIN_OVERFLOW");
        Assert.Equal("realtime", bins.GetProperty("type").GetString());
        var definition = await JsonAsync(await api.Http.GetAsync("/open311/v2/services/SHOP_BIN_OVERFLOW.json"));
        Assert.Equal("SHOP_BIN_OVERFLOW", definition.GetProperty("service_code").GetString());

        var created = await api.Http.PostAsync("/open311/v2/requests.json", Form(
            ("api_key", "test-key"), ("service_code", "SHOP_BIN_OVERFLOW"), ("lat", "31.2412"), ("long", "121.4411"),
            ("description", "垃圾桶满了，电话13812345678"), ("first_name", "Wei"), ("last_name", "Zhang"), ("phone", "13812345678")));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = (await JsonAsync(created))[0].GetProperty("service_request_id").GetString()!;
        Assert.StartsWith("PT-", id);
        await api.CaughtUpAsync();

        var one = (await JsonAsync(await api.Http.GetAsync($"/open311/v2/requests/{id}.json")))[0];
        Assert.Equal(id, one.GetProperty("service_request_id").GetString());
        Assert.Equal("open", one.GetProperty("status").GetString());
        Assert.Equal("SHOP_BIN_OVERFLOW", one.GetProperty("service_code").GetString());
        Assert.DoesNotContain("13812345678", one.GetRawText());
        Assert.False(one.TryGetProperty("first_name", out _));
        var listed = await JsonAsync(await api.Http.GetAsync($"/open311/v2/requests.json?service_code=SHOP_BIN_OVERFLOW&status=open"));
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == id);
        var byIds = await JsonAsync(await api.Http.GetAsync($"/open311/v2/requests.json?service_request_id={id},PT-20991231-000001"));
        Assert.Equal(id, Assert.Single(byIds.EnumerateArray()).GetProperty("service_request_id").GetString());

        var dispatcher = await api.UserAsync("dispatcher");
        var incident = await dispatcher.Cases.GetIncidentAsync(new Protos.V1.GetIncidentRequest { Number = id });
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
                Content = Form(("api_key", "test-key"), ("service_code", "CREEK_LITTERING"), ("lat", "31.245"), ("long", "121.43")),
                Headers = { { "Idempotency-Key", key } },
            };
            return (await JsonAsync(await api.Http.SendAsync(request)))[0].GetProperty("service_request_id").GetString()!;
        }
        Assert.Equal(await CreateAsync(), await CreateAsync());
    }

    [Fact]
    public async Task A_group_rental_request_is_followed_publicly_without_its_description_or_position()
    {
        var api = await SharedApi.StartAsync(redis);
        var created = await api.Http.PostAsync("/open311/v2/requests.json", Form(
            ("api_key", "test-key"), ("service_code", "RENTAL_YELLOW"), ("lat", "31.2412"), ("long", "121.4411"),
            ("description", "3号楼502室住了十几个人"), ("address_string", "长寿路100弄3号502室")));
        var id = (await JsonAsync(created))[0].GetProperty("service_request_id").GetString()!;
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
    [InlineData("test-key", "NO_SUCH", "31.24", "121.44", 400, "service_code")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "", "121.44", 400, "lat")]
    [InlineData("test-key", "SHOP_BIN_OVERFLOW", "39.90", "116.40", 400, "lat")]
    public async Task A_bad_create_is_refused_with_an_open311_error_naming_the_field(string key, string code, string lat, string lon, int status, string field)
    {
        var api = await SharedApi.StartAsync(redis);
        var response = await api.Http.PostAsync("/open311/v2/requests.json", Form(("api_key", key), ("service_code", code), ("lat", lat), ("long", lon)));
        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response))[0];
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.StartsWith(field, error.GetProperty("description").GetString());
    }
}
