using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.Api.Tests;

/// <summary>
/// The API deployed as it runs in production: its own process, an Orleans client of a silo process, both on one Redis.
/// </summary>
[Collection(RedisFixture.Collection)]
public class ApiProcessTests(RedisFixture redis)
{
    [Fact]
    public async Task The_api_process_serves_a_silo_process_and_projects_its_events()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-api-").FullName;
        var serviceId = $"proc-{Guid.NewGuid():N}"[..14];
        string[] cluster =
        [
            $"--Redis:ConnectionString={redis.ConnectionString}",
            $"--Orleans:ServiceId={serviceId}",
            "--Orleans:ClusterId=proc",
        ];
        await using var silo = ServiceProcess.StartSilo(dir, cluster);
        await silo.WaitForLineAsync("Dispatch silo up", TimeSpan.FromSeconds(60));
        var (grpcPort, httpPort) = (RedisServer.FreePort(), RedisServer.FreePort());
        await using var api = ServiceProcess.Start(
            "Dispatch.Api",
            dir,
            [.. cluster, $"--Api:GrpcPort={grpcPort}", $"--Api:HttpPort={httpPort}", "--Identity:DemoUsers=true"]
        );
        await api.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(60));

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var token = (
            await new Identity.IdentityClient(channel).SignInAsync(
                new SignInRequest { UserId = "dispatcher", Password = ApiServer.Password }
            )
        ).Token;
        var asDispatcher = new Metadata { { "authorization", $"Bearer {token}" } };
        var cases = new Cases.CasesClient(channel);
        var reported = await cases.ReportIncidentAsync(
            new ReportIncidentRequest
            {
                CommandId = "proc-1",
                Type = "FIRE_PASSAGE_BLOCKED",
                Channel = "Hotline",
                Street = "WL",
                Description = "消防通道被堵",
            },
            asDispatcher
        );
        Assert.Matches(@"^PT-\d{8}-\d{6}$", reported.Number);

        IncidentPage page;
        var waited = 0;
        do
        {
            await Task.Delay(100);
            page = await cases.ListIncidentsAsync(
                new ListIncidentsRequest { Filter = new IncidentFilter { Scenarios = { "fire" } } },
                asDispatcher
            );
        } while (page.Total == 0 && ++waited < 100);
        Assert.Equal(reported.Number, Assert.Single(page.Items).Number);

        await api.TerminateAsync(TimeSpan.FromSeconds(30));
        await silo.TerminateAsync(TimeSpan.FromSeconds(30));
        Directory.Delete(dir, recursive: true);
    }
}
