using System.Net;

namespace Dispatch.Api.Tests;

/// <summary>A GeoReport v2 client written from the spec, in each of its two formats, against the running API.</summary>
[Collection(RedisFixture.Collection)]
public class Open311ClientTests(RedisFixture redis)
{
    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public async Task A_spec_client_discovers_the_endpoint_reports_reads_at_once_and_queries(string format)
    {
        var api = await SharedApi.StartAsync(redis);
        var client = new GeoReportClient(api.Http, format);

        var discovery = await client.GetAsync($"/open311/discovery.{format}", "discovery");
        Assert.Equal(HttpStatusCode.OK, discovery.Status);
        Assert.Equal(client.MediaType, discovery.MediaType);
        Assert.Equal("utf-8", discovery.Charset);
        Assert.Equal(new[] { "changeset", "contact", "key_service", "endpoints" }, discovery.Fields.Names);
        var changeset = DateTimeOffset.Parse(discovery.Fields.Text("changeset")!);
        var endpoint = Assert.Single(
            discovery.Fields.Items("endpoints").Cast<GeoFields>(),
            e => e.Text("specification") == GeoReportClient.Specification
        );
        Assert.Equal("production", endpoint.Text("type"));
        Assert.True(DateTimeOffset.Parse(endpoint.Text("changeset")!) <= DateTimeOffset.UtcNow);
        Assert.True(changeset <= DateTimeOffset.UtcNow);
        Assert.Contains(endpoint.Items("formats"), f => ((GeoText)f).Value == client.MediaType);
        var url = endpoint.Text("url")!;
        Assert.Equal(new Uri(api.Http.BaseAddress!, "/open311/v2").ToString(), url);

        var services = await client.GetAsync($"{url}/services.{format}", "services");
        Assert.Equal(client.MediaType, services.MediaType);
        var bins = services.Rows.Single(s => s.Text("service_code") == "SHOP_BIN_OVERFLOW");
        string[] serviceFields =
        [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ];
        Assert.Equal(serviceFields, bins.Names);
        Assert.Equal("realtime", bins.Text("type"));
        Assert.Equal("false", bins.Text("metadata"));
        Assert.DoesNotContain(services.Rows, s => s.Text("service_code") == "DEVICE_OFFLINE");

        var definition = await client.GetAsync($"{url}/services/SHOP_BIN_OVERFLOW.{format}", "service_definition");
        Assert.Equal("SHOP_BIN_OVERFLOW", definition.Fields.Text("service_code"));
        Assert.Empty(definition.Fields.Items("attributes"));

        var posted = await client.PostAsync(
            $"{url}/requests.{format}",
            ("api_key", "test-key"),
            ("service_code", "SHOP_BIN_OVERFLOW"),
            ("lat", "31.2412"),
            ("long", "121.4411"),
            ("description", "垃圾桶满了"),
            ("account_id", "acct-7"),
            ("media_url", "https://photos.example.org/bin.jpg")
        );
        Assert.Equal(HttpStatusCode.OK, posted.Status);
        var receipt = Assert.Single(posted.Rows);
        Assert.Equal(new[] { "service_request_id", "service_notice", "account_id" }, receipt.Names);
        Assert.Equal("acct-7", receipt.Text("account_id"));
        var id = receipt.Text("service_request_id")!;

        var read = await client.GetAsync($"{url}/requests/{id}.{format}", "service_requests");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        var request = Assert.Single(read.Rows);
        Assert.Equal(GeoReportClient.RequestFields, request.Names);
        Assert.Equal(id, request.Text("service_request_id"));
        Assert.Equal("open", request.Text("status"));
        Assert.Equal("SHOP_BIN_OVERFLOW", request.Text("service_code"));
        Assert.Equal("垃圾桶满了", request.Text("description"));
        Assert.Equal("https://photos.example.org/bin.jpg", request.Text("media_url"));
        Assert.Equal(31.2412, double.Parse(request.Text("lat")!, System.Globalization.CultureInfo.InvariantCulture));
        var requested = DateTimeOffset.Parse(request.Text("requested_datetime")!);
        Assert.True(DateTimeOffset.Parse(request.Text("updated_datetime")!) >= requested);
        Assert.False(string.IsNullOrWhiteSpace(request.Text("status_notes")));

        await api.CaughtUpAsync();
        string[] codes = ["SHOP_BIN_OVERFLOW", "CREEK_LITTERING"];
        var listed = await client.GetAsync(
            $"{url}/requests.{format}?status=open,closed&service_code={string.Join(',', codes)}",
            "service_requests"
        );
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.All(listed.Rows, r => Assert.Equal(GeoReportClient.RequestFields, r.Names));
        Assert.Contains(listed.Rows, r => r.Text("service_request_id") == id);
        Assert.All(listed.Rows, r => Assert.Contains(r.Text("service_code"), codes));
        var closedOnly = await client.GetAsync(
            $"{url}/requests.{format}?status=closed&service_code=SHOP_BIN_OVERFLOW",
            "service_requests"
        );
        Assert.DoesNotContain(closedOnly.Rows, r => r.Text("service_request_id") == id);
        Assert.All(closedOnly.Rows, r => Assert.Equal("closed", r.Text("status")));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public async Task Errors_come_as_the_spec_documents_them_in_the_format_asked_for(string format)
    {
        var api = await SharedApi.StartAsync(redis);
        var client = new GeoReportClient(api.Http, format);

        var noKey = await client.PostAsync(
            $"/open311/v2/requests.{format}",
            ("api_key", "wrong"),
            ("service_code", "SHOP_BIN_OVERFLOW")
        );
        AssertError(client, noKey, HttpStatusCode.Forbidden, "api_key");
        var unknownService = await client.PostAsync(
            $"/open311/v2/requests.{format}",
            ("api_key", "test-key"),
            ("service_code", "NO_SUCH_SERVICE"),
            ("lat", "31.24"),
            ("long", "121.44")
        );
        AssertError(client, unknownService, HttpStatusCode.NotFound, "service_code");
        var noService = await client.GetAsync($"/open311/v2/services/NO_SUCH_SERVICE.{format}", "service_definition");
        AssertError(client, noService, HttpStatusCode.NotFound, "service_code");
        var noRequest = await client.GetAsync($"/open311/v2/requests/PT-20991231-000001.{format}", "service_requests");
        AssertError(client, noRequest, HttpStatusCode.NotFound, "service_request_id");
        AssertError(
            client,
            await client.GetAsync($"/open311/v2/requests.{format}?status=pending", "service_requests"),
            HttpStatusCode.BadRequest,
            "status"
        );
    }

    [Fact]
    public async Task A_format_the_spec_does_not_offer_is_refused_in_xml_naming_the_format()
    {
        var api = await SharedApi.StartAsync(redis);
        var answer = await new GeoReportClient(api.Http, "xml").GetAsync("/open311/v2/services.csv", "services");
        AssertError(new GeoReportClient(api.Http, "xml"), answer, HttpStatusCode.BadRequest, "format");
    }

    private static void AssertError(GeoReportClient client, GeoAnswer answer, HttpStatusCode status, string parameter)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal(client.MediaType, answer.MediaType);
        var error = Assert.Single(answer.Rows);
        Assert.Equal(new[] { "code", "description" }, error.Names);
        Assert.Equal(((int)status).ToString(), error.Text("code"));
        Assert.StartsWith(parameter, error.Text("description"));
    }
}
