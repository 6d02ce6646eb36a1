using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

/// <summary>
/// The silo host as a process: the embedded default, no start without a Redis, a bounded shutdown, health and the
/// dashboard. Single-server by nature: each test starts, kills or reopens a redis-server of its own (the embedded
/// one with its AOF files, one that dies under the silo, one for the health probes); none uses the run's store.
/// </summary>
public class SiloHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_embedded_default_starts_its_own_redis_and_keeps_the_incidents_there_with_aof()
    {
        var data = Directory.CreateTempSubdirectory("dispatch-embedded-").FullName;
        var port = RedisServer.FreePort();
        string number;
        await using (
            var silo = ServiceProcess.StartSilo(data, $"--Redis:EmbeddedPort={port}", $"--Redis:DataDirectory={data}")
        )
        {
            var banner = await silo.WaitForLineAsync("Dispatch silo up", StartTimeout);
            Assert.Contains($"Redis 127.0.0.1:{port} (embedded redis-server, AOF on", banner);
            using var client = await silo.ClientAsync(("Redis:ConnectionString", $"127.0.0.1:{port}"));
            number = await client
                .Services.GetRequiredService<IClusterClient>()
                .ReportAsync(Ops.Report("FIRE_EBIKE_INDOOR", "CYXC"));
            await client.StopAsync();
            await silo.TerminateAsync(TimeSpan.FromSeconds(60));
            Assert.False(
                await RedisServer.AnswersAsync($"127.0.0.1:{port}"),
                "the silo should stop the redis-server it started"
            );
        }

        Assert.True(
            Directory.EnumerateFiles(data, "*.aof", SearchOption.AllDirectories).Any(),
            "redis should write an append-only file"
        );
        await using var reopened = await RedisServer.StartAsync(RedisServer.FindBinary()!, data, port);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(reopened.ConnectionString);
        var keys = redis.GetServer(reopened.ConnectionString).Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.Contains("dispatch/members/dispatch", keys);
        var partition = new Partitions(Partitions.Default).Of(number);
        Assert.Contains($"{{dispatch:p{partition}}}:incident:{number}", keys);
        Assert.Equal(
            number,
            (string?)(await redis.GetDatabase().StreamRangeAsync($"{{dispatch:p{partition}}}:events"))[0]["incident"]
        );
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task Without_a_redis_the_silo_refuses_to_start_and_says_why()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-no-redis-").FullName;
        await using var silo = ServiceProcess.StartSilo(dir, "--Redis:Embedded=false");
        await Ops.EventuallyAsync(
            () => Task.FromResult(silo.HasExited),
            exited => exited,
            StartTimeout,
            "the silo to refuse"
        );
        Assert.NotEqual(0, silo.ExitCode);
        await Ops.EventuallyAsync(
            () => Task.FromResult(silo.Output),
            o => o.Contains("Dispatch keeps its state in Redis"),
            TimeSpan.FromSeconds(10),
            "the reason in the output"
        );
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Shutdown_is_bounded_when_redis_is_gone()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-outage-").FullName;
        var redis = await RedisServer.StartAsync(RedisServer.FindBinary()!, dir);
        await using var silo = ServiceProcess.StartSilo(
            dir,
            $"--Redis:ConnectionString={redis.ConnectionString}",
            "--Orleans:ShutdownTimeout=00:00:03"
        );
        await silo.WaitForLineAsync("Dispatch silo up", StartTimeout);
        redis.Kill();
        // Without the bound, Orleans keeps retrying its membership write to the lost Redis for minutes.
        await silo.TerminateAsync(TimeSpan.FromSeconds(45));
        Assert.True(silo.HasExited);
        await redis.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task The_silo_reports_its_health_and_shows_the_dashboard_only_to_an_administrator()
    {
        var dir = Directory.CreateTempSubdirectory("dispatch-health-").FullName;
        await using var redis = await RedisServer.StartAsync(RedisServer.FindBinary()!, dir);
        await using var silo = ServiceProcess.StartSilo(
            dir,
            $"--Redis:ConnectionString={redis.ConnectionString}",
            "--Dashboard:AdminToken=let-me-in"
        );
        await silo.WaitForLineAsync("Dispatch silo up", StartTimeout);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.HttpPort}") };

        foreach (var probe in new[] { "/health/live", "/health/ready", "/health/startup" })
            Assert.Equal("Healthy", await http.GetStringAsync(probe));
        Assert.Contains("orleans", await http.GetStringAsync("/metrics"));
        var anonymous = await http.GetAsync("/dashboard/");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/dashboard/")
        {
            Headers = { Authorization = new("Basic", Convert.ToBase64String("admin:guess"u8.ToArray())) },
        };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        using var admin = new HttpRequestMessage(HttpMethod.Get, "/dashboard/")
        {
            Headers = { Authorization = new("Basic", Convert.ToBase64String("admin:let-me-in"u8.ToArray())) },
        };
        var shown = await http.SendAsync(admin);
        Assert.Equal(System.Net.HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("Orleans", await shown.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await silo.TerminateAsync(TimeSpan.FromSeconds(30));
        Directory.Delete(dir, recursive: true);
    }
}
