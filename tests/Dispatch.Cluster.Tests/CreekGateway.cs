using Dispatch.Protos;
using Dispatch.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Alert = Dispatch.Protos.V1.Alert;
using AlertAck = Dispatch.Protos.V1.AlertAck;
using DeviceRegistration = Dispatch.Protos.V1.DeviceRegistration;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// A gateway of creek cameras (<c>dev-0</c> … on a grid of six per row) registered through the ingest's registry,
/// signing each alert it reports; and the retry a gateway does while the system is between processes.
/// </summary>
internal sealed record CreekGateway(string Id, string Secret, AlertIngest.AlertIngestClient Client)
{
    private static readonly string Method = $"/{AlertIngest.Descriptor.FullName}/ReportAlert";

    public static async Task<CreekGateway> RegisterAsync(GrpcChannel channel, string adminToken, string id, int devices)
    {
        var registry = new DeviceRegistry.DeviceRegistryClient(channel);
        var admin = new Metadata { { "authorization", $"Bearer {adminToken}" } };
        var request = new RegisterGatewayRequest { GatewayId = id, Name = id };
        var credentials = await Retry(() => registry.RegisterGatewayAsync(request, admin).ResponseAsync);
        for (var d = 0; d < devices; d++)
        {
            var device = new DeviceRegistration
            {
                DeviceId = $"dev-{d}",
                GatewayId = id,
                Scenario = "creek",
                Kind = "camera",
                Location = Position(d),
                Street = "CYXC",
                OwnerUnit = "OPS",
            };
            await Retry(() => registry.RegisterDeviceAsync(device, admin).ResponseAsync);
        }
        return new CreekGateway(id, credentials.Secret, new AlertIngest.AlertIngestClient(channel));
    }

    /// <summary>Where device <paramref name="index"/> stands: a cell of its own along the creek.</summary>
    public static GeoPoint Position(int index) =>
        new() { Lat = 31.215 + index / 6 * 0.01, Lon = 121.35 + index % 6 * 0.015 };

    /// <summary>Retries what failed while the system was not serving (UNAVAILABLE and the like).</summary>
    public static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e)
                when (attempt < 60
                    && e.StatusCode
                        is StatusCode.Unavailable
                            or StatusCode.Internal
                            or StatusCode.Unknown
                            or StatusCode.DeadlineExceeded
                )
            {
                await Task.Delay(500);
            }
        }
    }

    public async Task<AlertAck> ReportAsync(Alert alert) =>
        await Client.ReportAlertAsync(
            alert,
            GatewaySignature.Headers(Id, Secret, Method, DateTimeOffset.UtcNow),
            deadline: DateTime.UtcNow.AddSeconds(20)
        );
}
