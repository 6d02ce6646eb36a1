using Dispatch.Api;
using Dispatch.Infrastructure;
using Dispatch.Ingest;
using Dispatch.Silo;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Benchmarks;

/// <summary>
/// The system under measurement in this process, built by the hosts' own code: a silo and the ingest service on
/// <paramref name="store"/> (and, for the notification phase, the API with its notifier, as the embedded host runs
/// them). Beside it, the baselines: a bare gRPC echo of the same contract, and the floor of one new empty grain per
/// alert on the same silo.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    public const string AdminToken = "bench";
    private readonly List<WebApplication> _apps = [];

    private BenchSystem(string serviceId) => ServiceId = serviceId;

    public string ServiceId { get; }
    public IServiceProvider Services => _apps[0].Services;
    public GrpcChannel Ingest { get; private set; } = null!;
    public GrpcChannel Echo { get; private set; } = null!;
    public GrpcChannel Floor { get; private set; } = null!;

    public static async Task<BenchSystem> StartAsync(
        BenchStore store,
        IConfiguration settings,
        bool withApi = false,
        IDictionary<string, string?>? extra = null
    )
    {
        var system = new BenchSystem($"bench-{Guid.NewGuid():N}"[..14]);
        var ingestPort = RedisServer.FreePort();
        var builder = WebApplication.CreateBuilder(
            new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory }
        );
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
                // A benchmark drives the machine to its limit on purpose: Orleans' warnings of stalls are expected
                // then.
                ["Logging:LogLevel:Orleans"] = "Error",
                ["Redis:ConnectionString"] = store.ConnectionString,
                ["Store:WaitForReplicas"] = store.WaitForReplicas.ToString(),
                ["Orleans:ServiceId"] = system.ServiceId,
                ["Orleans:ClusterId"] = "bench",
                ["Orleans:SiloPort"] = RedisServer.FreePort().ToString(),
                ["Orleans:GatewayPort"] = RedisServer.FreePort().ToString(),
                ["Ingest:Port"] = ingestPort.ToString(),
                ["Ingest:AdminToken"] = AdminToken,
                ["Ingest:MaxInFlightPerStream"] = Load.Window.ToString(),
                ["Api:GrpcPort"] = RedisServer.FreePort().ToString(),
                ["Api:HttpPort"] = RedisServer.FreePort().ToString(),
                ["Identity:SigningKey"] = "the benchmark's signing key, 32 bytes at least",
                ["Blobs:Directory"] = Path.Combine(Path.GetTempPath(), "dispatch-bench-blobs"),
            }
        );
        if (extra is not null)
            builder.Configuration.AddInMemoryCollection(extra);
        // any setting of the system, e.g. --Ingest:RememberedAnswers=0
        builder.Configuration.AddConfiguration(settings);
        await builder.AddDispatchSiloAsync();
        builder.AddDispatchIngest();
        if (withApi)
            builder.AddDispatchApi();
        var app = builder.Build();
        app.MapDispatchIngest();
        if (withApi)
            app.MapDispatchApi();
        await app.StartAsync();
        system._apps.Add(app);
        system.Ingest = Channel(ingestPort);
        system.Echo = await system.BaselineAsync<EchoIngest>();
        system.Floor = await system.BaselineAsync<GrainFloorIngest>();
        return system;
    }

    private async Task<GrpcChannel> BaselineAsync<TService>()
        where TService : V1.AlertIngest.AlertIngestBase
    {
        var port = RedisServer.FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Services.GetRequiredService<IGrainFactory>());
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        _apps.Add(app);
        return Channel(port);
    }

    private static GrpcChannel Channel(int port) =>
        GrpcChannel.ForAddress(
            $"http://127.0.0.1:{port}",
            new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } }
        );

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in new[] { Ingest, Echo, Floor })
            channel?.Dispose();
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

/// <summary>The baseline: the same streaming contract, answering each alert at once with nothing behind it.</summary>
internal sealed class EchoIngest : V1.AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(
        IAsyncStreamReader<V1.Alert> requestStream,
        IServerStreamWriter<V1.AlertAck> responseStream,
        ServerCallContext context
    )
    {
        await foreach (var alert in requestStream.ReadAllAsync())
            await responseStream.WriteAsync(Ack(alert.AlertId));
    }

    public static V1.AlertAck Ack(string alertId) =>
        new()
        {
            AlertId = alertId,
            Disposition = V1.Disposition.NewIncident,
            IncidentNumber = "PT-00000000-000000",
        };
}

/// <summary>
/// The floor that the fixed design sets: each alert activates one new, empty grain (as each new incident is one
/// grain) and is answered by it, with the same window per stream, and nothing stored.
/// </summary>
internal sealed class GrainFloorIngest(IGrainFactory grains) : V1.AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(
        IAsyncStreamReader<V1.Alert> requestStream,
        IServerStreamWriter<V1.AlertAck> responseStream,
        ServerCallContext context
    )
    {
        var inFlight = System.Threading.Channels.Channel.CreateBounded<Task<string>>(Load.Window);
        var writer = Task.Run(async () =>
        {
            await foreach (var answer in inFlight.Reader.ReadAllAsync())
                await responseStream.WriteAsync(EchoIngest.Ack(await answer));
        });
        await foreach (var alert in requestStream.ReadAllAsync())
            await inFlight.Writer.WriteAsync(grains.GetGrain<IFloorGrain>(alert.AlertId).AckAsync());
        inFlight.Writer.Complete();
        await writer;
    }
}

public interface IFloorGrain : IGrainWithStringKey
{
    Task<string> AckAsync();
}

public sealed class FloorGrain : Grain, IFloorGrain
{
    public Task<string> AckAsync() => Task.FromResult(this.GetPrimaryKeyString());
}
