using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Protos.V1;
using Grpc.Core;

namespace Dispatch.Api.Tests;

/// <summary>
/// The browser's transport: the same services as JSON over HTTP/1.1 (gRPC JSON transcoding), and sign-in with
/// the development identity provider.
/// </summary>
[Collection(RedisFixture.Collection)]
public class TranscodingTests(RedisFixture redis)
{
    [Fact]
    public async Task A_browser_signs_in_lists_and_acts_with_json_over_http_1_1()
    {
        var api = await SharedApi.StartAsync(redis);
        var number = await new Office(api).ReportAsync();
        await api.CaughtUpAsync();

        var signIn = await api.Http.PostAsJsonAsync(
            "/api/v1/sign-in",
            new { userId = "dispatcher", password = ApiServer.Password }
        );
        Assert.Equal(HttpVersion.Version11, signIn.Version);
        var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        using var list = api.Request(HttpMethod.Post, "/api/v1/incidents:list", token);
        list.Content = JsonContent.Create(
            new { filter = new { states = new[] { "Reported" }, query = number }, pageSize = 10 }
        );
        var page = await (await api.Http.SendAsync(list)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(number, page.GetProperty("items")[0].GetProperty("number").GetString());

        using var file = api.Request(HttpMethod.Post, $"/api/v1/incidents/{number}:file", token);
        file.Content = JsonContent.Create(new { commandId = Guid.NewGuid().ToString("N") });
        var filed = await (await api.Http.SendAsync(file)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Filed", filed.GetProperty("state").GetString());

        var detail = await (
            await api.Http.SendAsync(api.Request(HttpMethod.Get, $"/api/v1/incidents/{number}", token))
        ).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(
            ["reported", "filed"],
            detail.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString())
        );
    }

    [Fact]
    public async Task Errors_map_to_http_statuses_with_the_field_named()
    {
        var api = await SharedApi.StartAsync(redis);
        var token = await api.TokenAsync("dispatcher");

        using var badFilter = api.Request(HttpMethod.Post, "/api/v1/incidents:list", token);
        badFilter.Content = JsonContent.Create(new { filter = new { states = new[] { "Sleeping" } } });
        var bad = await api.Http.SendAsync(badFilter);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        // The field and the reason travel as data (google.rpc.BadRequest and ErrorInfo), not only in the message.
        using var error = System.Text.Json.JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var details = error.RootElement.GetProperty("details").EnumerateArray().ToList();
        Assert.Contains(
            details,
            d =>
                d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.BadRequest"
                && d.GetProperty("fieldViolations")[0].GetProperty("field").GetString() == "filter.states"
        );
        Assert.Contains(
            details,
            d =>
                d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.ErrorInfo"
                && d.GetProperty("reason").GetString() == "INVALID_ARGUMENT"
        );

        var missing = await api.Http.SendAsync(
            api.Request(HttpMethod.Get, "/api/v1/incidents/PT-20991231-000001", token)
        );
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var anonymous = await api.Http.GetAsync("/api/v1/incidents/PT-20991231-000001");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var auditorFiles = api.Request(
            HttpMethod.Post,
            "/api/v1/incidents/PT-20991231-000001:file",
            await api.TokenAsync("auditor")
        );
        auditorFiles.Content = JsonContent.Create(new { commandId = "x" });
        var forbidden = await api.Http.SendAsync(auditorFiles);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var refusal = System.Text.Json.JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync());
        Assert.Contains("may not Triage", refusal.RootElement.GetProperty("message").GetString());
        Assert.Equal(
            "PERMISSION_DENIED",
            refusal.RootElement.GetProperty("details")[0].GetProperty("reason").GetString()
        );
    }

    [Fact]
    public async Task The_figures_export_as_csv_that_spreadsheets_read()
    {
        var api = await SharedApi.StartAsync(redis);
        await new Office(api).ReportAsync();
        await api.CaughtUpAsync();

        var response = await api.Http.SendAsync(
            api.Request(HttpMethod.Get, "/api/v1/audit/figures.csv?by=Street", await api.TokenAsync("auditor"))
        );

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("分组,名称,代码,上报数,立案数", lines[0]);
        Assert.StartsWith("合计,全区,,", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("街镇,长寿路街道,CSL,", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Equal(lines[0].Split(',').Length, l.Split(',').Length));
    }

    [Fact]
    public async Task Sign_in_refuses_wrong_passwords_and_tokens_not_signed_by_this_service()
    {
        var api = await SharedApi.StartAsync(redis);

        var wrong = await Assert.ThrowsAsync<RpcException>(() =>
            api.Identity.SignInAsync(new SignInRequest { UserId = "dispatcher", Password = "guess" }).ResponseAsync
        );
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        var nobody = await Assert.ThrowsAsync<RpcException>(() =>
            api.Identity.SignInAsync(new SignInRequest { UserId = "mallory", Password = "dispatch" }).ResponseAsync
        );
        Assert.Equal(wrong.Status.Detail, nobody.Status.Detail);

        var me = await api.Identity.WhoAmIAsync(new(), await api.AsAsync("csl.staff"));
        Assert.Equal(("UnitStaff", "CSL"), (me.Role, me.Unit));
        Assert.Equal(["CSL"], me.Streets);
        Assert.Contains("Handle", me.Permissions);
        Assert.DoesNotContain("Dispatch", me.Permissions);

        var token = await api.TokenAsync("dispatcher");
        var forged = token[..token.LastIndexOf('.')] + ".c2lnbmF0dXJlLWJ5LXNvbWVvbmUtZWxzZQ";
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new Cases.CasesClient(api.Channel)
                .ListIncidentsAsync(
                    new ListIncidentsRequest(),
                    new Metadata { { "authorization", $"Bearer {forged}" } }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }
}
