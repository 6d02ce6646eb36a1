using System.Net.Http.Headers;
using Dispatch.Api;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dispatch.Api.Tests;

/// <summary>
/// The API service on free loopback ports (gRPC on HTTP/2, JSON on HTTP/1.1), as an Orleans client of a test
/// cluster, built by the same hosting code as the API process, with the seeded demo users.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    public const string Password = "dispatch";
    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _tokens = [];

    private ApiServer(WebApplication app, int grpcPort, int httpPort)
    {
        _app = app;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Identity = new Identity.IdentityClient(Channel);
    }

    public GrpcChannel Channel { get; }
    public HttpClient Http { get; }
    public Identity.IdentityClient Identity { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<ApiServer> StartAsync(
        TestCluster cluster,
        string redis,
        IDictionary<string, string?>? extra = null
    )
    {
        var (grpcPort, httpPort) = (RedisServer.FreePort(), RedisServer.FreePort());
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Redis:ConnectionString"] = redis,
                ["Blobs:Directory"] = Path.Combine(Path.GetTempPath(), "dispatch-test-blobs"),
                ["Orleans:ServiceId"] = cluster.ServiceId,
                ["Orleans:ClusterId"] = "test",
                ["Api:GrpcPort"] = grpcPort.ToString(),
                ["Api:HttpPort"] = httpPort.ToString(),
                ["Api:MaxEvidenceBytes"] = "65536",
                ["Api:Open311Keys:test-key"] = "test-client",
                // The suite sends far more commands as one user, and reports with one key, than a person or a citizen
                // app may; LimitsTests tests the limits on servers of its own.
                ["Limits:Open311Burst"] = "1000",
                ["Limits:CommandBurst"] = "100000",
                ["Identity:DemoUsers"] = "true",
                ["Identity:SigningKey"] = "a-test-signing-key-of-at-least-32-bytes!",
                // Unit staff whose token names no unit and no area: they may see nothing.
                ["Identity:Users:100:Id"] = "stray.staff",
                ["Identity:Users:100:Role"] = "UnitStaff",
                ["Identity:Users:100:Password"] = Password,
            }
        );
        if (extra is not null)
            builder.Configuration.AddInMemoryCollection(extra);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddDispatchClient();
        builder.AddDispatchApi();
        var app = builder.Build();
        app.MapDispatchApi();
        await app.StartAsync();
        return new ApiServer(app, grpcPort, httpPort);
    }

    /// <summary>A bearer token for a demo user (signed in once per server).</summary>
    public async Task<string> TokenAsync(string user)
    {
        if (!_tokens.TryGetValue(user, out var token))
            _tokens[user] = token = (
                await Identity.SignInAsync(new SignInRequest { UserId = user, Password = Password })
            ).Token;
        return token;
    }

    public async Task<Metadata> AsAsync(string user) =>
        new() { { "authorization", $"Bearer {await TokenAsync(user)}" } };

    /// <summary>The clients of the three services, calling as <paramref name="user"/>.</summary>
    public async Task<User> UserAsync(string user)
    {
        var token = await TokenAsync(user);
        var invoker = Channel.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return metadata;
        });
        return new User(
            user,
            token,
            new Cases.CasesClient(invoker),
            new Field.FieldClient(invoker),
            new Audit.AuditClient(invoker),
            new Protos.V1.Roster.RosterClient(invoker)
        );
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string token) =>
        new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    /// <summary>Waits until the projections have applied everything in the event stream and the alert record.</summary>
    public async Task CaughtUpAsync()
    {
        var projection = Services.GetRequiredService<IncidentProjection>();
        var alerts = Services.GetRequiredService<AlertIndex>();
        for (var i = 0; i < 300; i++)
        {
            if (await projection.IsCaughtUpAsync() && await alerts.IsCaughtUpAsync())
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException("the read model did not catch up with the event stream in 15 s");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A signed-in demo user's clients.</summary>
public sealed record User(
    string Id,
    string Token,
    Cases.CasesClient Cases,
    Field.FieldClient Field,
    Audit.AuditClient Audit,
    Protos.V1.Roster.RosterClient Roster
);
