using System.Net;
using System.Net.Http.Json;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;

namespace Dispatch.Api.Tests;

/// <summary>What every answer says about itself: pages, JSON, Open311, gRPC and refusals alike.</summary>
[Collection(RedisFixture.Collection)]
public class HeadersTests(RedisFixture redis)
{
    private static void AssertGuarded(HttpResponseMessage answer, string what)
    {
        string One(string header) =>
            answer.Headers.TryGetValues(header, out var values)
                ? Assert.Single(values)
                : throw new Xunit.Sdk.XunitException($"{what}: no {header}");
        var policy = One("Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.Equal("nosniff", One("X-Content-Type-Options"));
        Assert.Equal("same-origin", One("Referrer-Policy"));
        Assert.Equal("DENY", One("X-Frame-Options"));
        Assert.False(answer.Headers.Contains("Server"), $"{what}: says Server: {answer.Headers.Server}");
    }

    [Fact]
    public async Task Every_answer_carries_the_policy_and_personal_data_is_never_cached()
    {
        var api = await SharedApi.StartAsync(redis);
        var token = await api.TokenAsync("dispatcher");
        var number = await new Office(api).ReportAsync(reporter: "王小明", phone: "13912345678");
        async Task<HttpResponseMessage> GetAsync(string path, string user) =>
            await api.Http.SendAsync(api.Request(HttpMethod.Get, path, await api.TokenAsync(user)));

        var answers = new List<(string What, HttpResponseMessage Answer)>
        {
            ("a page", await api.Http.GetAsync("/console/")),
            ("a script", await api.Http.GetAsync("/js/common.js")),
            ("a missing page", await api.Http.GetAsync("/no-such-page")),
            ("a refusal without a token", await api.Http.GetAsync($"/api/v1/incidents/{number}")),
            ("the incident", await GetAsync($"/api/v1/incidents/{number}", "dispatcher")),
            ("a list", await api.Http.SendAsync(Post(api, "/api/v1/incidents:list", token, new { pageSize = 5 }))),
            ("the access log", await GetAsync("/api/v1/audit/reads", "auditor")),
            ("the tasks", await GetAsync("/api/v1/tasks", Office.Worker)),
            ("Open311 services", await api.Http.GetAsync("/open311/v2/services.json")),
            ("an Open311 error", await api.Http.GetAsync("/open311/v2/requests/none.xml")),
        };
        foreach (var (what, answer) in answers)
            AssertGuarded(answer, what);
        var personal = answers.Where(a => a.Answer.RequestMessage!.RequestUri!.AbsolutePath.StartsWith("/api/"));
        foreach (var (what, answer) in personal)
            Assert.True(answer.Headers.CacheControl?.NoStore, $"{what}: Cache-Control: {answer.Headers.CacheControl}");
        Assert.Equal(HttpStatusCode.OK, answers[4].Answer.StatusCode);

        // gRPC answers too carry them, as response headers.
        var call = new Cases.CasesClient(api.Channel).GetIncidentAsync(
            new GetIncidentRequest { Number = number },
            await api.AsAsync("dispatcher")
        );
        var headers = await call.ResponseHeadersAsync;
        Assert.Equal("nosniff", headers.GetValue("x-content-type-options"));
        Assert.Contains("frame-ancestors 'none'", headers.GetValue("content-security-policy"));
        Assert.Null(headers.GetValue("server"));
        Assert.Equal(number, (await call.ResponseAsync).Summary.Number);
    }

    [Fact]
    public async Task Metrics_are_served_on_the_management_port_only()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-metrics-").FullName;
        var serviceId = $"met-{Guid.NewGuid():N}"[..14];
        string[] cluster =
        [
            $"--Redis:ConnectionString={redis.ConnectionString}",
            $"--Orleans:ServiceId={serviceId}",
            "--Orleans:ClusterId=met",
        ];
        await using var silo = ServiceProcess.StartSilo(dir, cluster);
        await silo.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        var (grpcPort, httpPort, management) = (RedisServer.FreePort(), RedisServer.FreePort(), RedisServer.FreePort());
        await using var api = ServiceProcess.Start(
            "Dispatch.Api",
            dir,
            [
                .. cluster,
                $"--Api:GrpcPort={grpcPort}",
                $"--Api:HttpPort={httpPort}",
                $"--Management:Port={management}",
                "--Identity:DemoUsers=true",
            ]
        );
        await api.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));
        using var http = new HttpClient();

        var publicMetrics = await http.GetAsync($"http://127.0.0.1:{httpPort}/metrics");
        using var grpc = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{grpcPort}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var grpcMetrics = await http.SendAsync(grpc);
        var managed = await http.GetAsync($"http://127.0.0.1:{management}/metrics");

        Assert.Equal(HttpStatusCode.NotFound, publicMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, grpcMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, managed.StatusCode);
        Assert.Contains("# TYPE", await managed.Content.ReadAsStringAsync());
        Assert.False(publicMetrics.Headers.Contains("Server"));

        await api.TerminateAsync(TimeSpan.FromSeconds(30));
        await silo.TerminateAsync(TimeSpan.FromSeconds(30));
        Directory.Delete(dir, recursive: true);
    }

    private static HttpRequestMessage Post(ApiServer api, string path, string token, object body)
    {
        var request = api.Request(HttpMethod.Post, path, token);
        request.Content = JsonContent.Create(body);
        return request;
    }
}
