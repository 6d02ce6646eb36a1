using Dispatch.Infrastructure;
using Dispatch.Ingest;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Dispatch.Tests;

/// <summary>
/// The ingest service on a free loopback port, HTTP/2, as an Orleans client of a test cluster (found through
/// Redis clustering), built by the same hosting code as the ingest process.
/// </summary>
public sealed class IngestServer : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    private readonly WebApplication _app;

    private IngestServer(WebApplication app, int port)
    {
        _app = app;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Registry = new DeviceRegistry.DeviceRegistryClient(Channel);
    }

    public GrpcChannel Channel { get; }
    public DeviceRegistry.DeviceRegistryClient Registry { get; }
    public static Metadata Admin => new() { { "authorization", $"Bearer {AdminToken}" } };

    /// <summary>
    /// The ingest service for <paramref name="cluster"/> on <paramref name="store"/>, configured as production would be
    /// on that topology; <paramref name="extra"/> settings come on top.
    /// </summary>
    public static Task<IngestServer> StartAsync(
        TestCluster cluster,
        TestStore store,
        IDictionary<string, string?>? extra = null
    ) => StartAsync(cluster, store.ConnectionString, store.SettingsWith(extra));

    public static async Task<IngestServer> StartAsync(
        TestCluster cluster,
        string redis,
        IDictionary<string, string?>? extra = null
    )
    {
        var port = RedisServer.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Redis:ConnectionString"] = redis,
                ["Orleans:ServiceId"] = cluster.ServiceId,
                ["Orleans:ClusterId"] = "test",
                ["Ingest:Port"] = port.ToString(),
                ["Ingest:HttpPort"] = "0",
                ["Ingest:AdminToken"] = AdminToken,
            }
        );
        if (extra is not null)
            builder.Configuration.AddInMemoryCollection(extra);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddDispatchClient();
        builder.AddDispatchIngest();
        var app = builder.Build();
        app.MapDispatchIngest();
        await app.StartAsync();
        return new IngestServer(app, port);
    }

    /// <summary>Registers a gateway and returns a client that signs its calls.</summary>
    public async Task<Gateway> GatewayAsync(string id)
    {
        var credentials = await Registry.RegisterGatewayAsync(
            new RegisterGatewayRequest { GatewayId = id, Name = id },
            Admin
        );
        return new Gateway(id, credentials.Secret, new AlertIngest.AlertIngestClient(Channel));
    }

    /// <summary>Registers a device and returns its id.</summary>
    public async Task<string> DeviceAsync(DeviceRegistration device) =>
        (await Registry.RegisterDeviceAsync(device, Admin)).Registration.DeviceId;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A gateway's side of the protocol: every call signed with a fresh timestamp and nonce.</summary>
public sealed record Gateway(string Id, string Secret, AlertIngest.AlertIngestClient Client)
{
    public static string Method(string name) => $"/{AlertIngest.Descriptor.FullName}/{name}";

    public Metadata Signed(string method) =>
        GatewaySignature.Headers(Id, Secret, Method(method), DateTimeOffset.UtcNow);

    public AsyncDuplexStreamingCall<Alert, AlertAck> Stream() => Client.StreamAlerts(Signed("StreamAlerts"));

    public async Task<AlertAck> ReportAsync(Alert alert) => await Client.ReportAlertAsync(alert, Signed("ReportAlert"));

    /// <summary>
    /// Sends alerts over one stream, each after the previous one's ack, and returns the acks. (Sent without
    /// waiting, alerts of one device may reach its grain in any order: Orleans does not order messages.)
    /// </summary>
    public async Task<List<AlertAck>> SendOneByOneAsync(params Alert[] alerts)
    {
        using var call = Stream();
        var acks = new List<AlertAck>();
        foreach (var alert in alerts)
        {
            await call.RequestStream.WriteAsync(alert);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), "the stream ended before the ack");
            acks.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        return acks;
    }

    /// <summary>
    /// Sends alerts over a stream without waiting, as a gateway does: when the service ends the stream as unavailable
    /// (it could not store something), it opens another and sends again what was not acknowledged. Returns one ack
    /// per alert, in the order they came; the last came last.
    /// </summary>
    public async Task<List<AlertAck>> SendUntilAckedAsync(IReadOnlyList<Alert> alerts)
    {
        var acks = new List<AlertAck>();
        for (var attempt = 1; ; attempt++)
        {
            var pending = alerts.Where(a => acks.All(ack => ack.AlertId != a.AlertId)).ToList();
            using var call = Stream();
            var reading = Task.Run(async () =>
            {
                await foreach (var ack in call.ResponseStream.ReadAllAsync())
                    acks.Add(ack);
            });
            try
            {
                foreach (var alert in pending)
                    await call.RequestStream.WriteAsync(alert);
                await call.RequestStream.CompleteAsync();
                await reading;
                return acks;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 20)
            {
                // The acks that came before the stream ended count; the reader ends with the stream.
                await reading.ContinueWith(_ => { }, TaskScheduler.Default);
                await Task.Delay(500);
            }
        }
    }

    /// <summary>
    /// Sends alerts over one stream without waiting and returns one ack per alert, in the order sent.
    /// </summary>
    public async Task<List<AlertAck>> SendAsync(params Alert[] alerts)
    {
        using var call = Stream();
        var acks = new List<AlertAck>();
        var reading = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
                acks.Add(ack);
        });
        foreach (var alert in alerts)
            await call.RequestStream.WriteAsync(alert);
        await call.RequestStream.CompleteAsync();
        await reading;
        return acks;
    }
}
