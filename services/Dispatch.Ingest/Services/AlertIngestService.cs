using System.Threading.Channels;
using Dispatch.Contracts;
using Dispatch.Ingest.Auth;
using Dispatch.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Domain = Dispatch.Domain;

namespace Dispatch.Ingest.Services;

/// <summary>
/// Takes gateways' alerts and heartbeats to their device grains. A stream is worked as a bounded pipeline: at most
/// <see cref="IngestOptions.MaxInFlightPerStream"/> alerts in flight, acks in arrival order; when the window is full
/// the stream is not read, so HTTP/2 flow control slows that gateway and no other.
/// </summary>
public sealed class AlertIngestService(IGrainFactory grains, RecentAnswers answers, IOptions<IngestOptions> options, ILogger<AlertIngestService> logger)
    : AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(IAsyncStreamReader<Alert> requestStream, IServerStreamWriter<AlertAck> responseStream, ServerCallContext context)
    {
        var gateway = GatewayAuthInterceptor.GatewayOf(context);
        using var open = IngestMetrics.StreamOpened("alerts");
        await Pipeline(requestStream, responseStream, async alert => (await IngestAsync(alert, gateway)).ToProto(), context.CancellationToken);
    }

    public override async Task<AlertAck> ReportAlert(Alert request, ServerCallContext context)
    {
        var ack = await IngestAsync(request, GatewayAuthInterceptor.GatewayOf(context));
        if (ack.Disposition == Domain.Disposition.Rejected)
            throw new RpcException(new Status(ack.NotPermitted ? StatusCode.PermissionDenied : StatusCode.InvalidArgument, ack.Reason ?? ""));
        return ack.ToProto();
    }

    public override async Task StreamHeartbeats(IAsyncStreamReader<Heartbeat> requestStream, IServerStreamWriter<HeartbeatAck> responseStream, ServerCallContext context)
    {
        var gateway = GatewayAuthInterceptor.GatewayOf(context);
        using var open = IngestMetrics.StreamOpened("heartbeats");
        await Pipeline(requestStream, responseStream, async beat =>
        {
            if (string.IsNullOrEmpty(beat.DeviceId))
                return new HeartbeatAck { Accepted = false, Reason = "device_id: is required" };
            var result = await grains.GetGrain<IDeviceGrain>(beat.DeviceId).HeartbeatAsync(gateway);
            return new HeartbeatAck
            {
                DeviceId = beat.DeviceId, Accepted = result.Accepted, Reason = result.Problem ?? "", ResolvedIncident = result.ResolvedIncident ?? "",
            };
        }, context.CancellationToken);
    }

    private async Task<Domain.AlertAck> IngestAsync(Alert alert, string gateway)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ack = await DecideAsync(alert, gateway);
        IngestMetrics.Acked(ack, started);
        return ack;
    }

    private async Task<Domain.AlertAck> DecideAsync(Alert alert, string gateway)
    {
        if (alert.CalculateSize() is var size && size > options.Value.MaxAlertBytes)
            return Rejected(alert, Largest(alert), $"the alert is {size} bytes, more than {options.Value.MaxAlertBytes}; the largest part is this field");
        if (alert.GatewayId is { Length: > 0 } named && named != gateway)
            return Rejected(alert, "gateway_id", $"'{named}' is not the signed gateway '{gateway}'", notPermitted: true);
        if (string.IsNullOrEmpty(alert.DeviceId)) return Rejected(alert, "device_id", "is required");
        if (answers.Find(gateway, alert.DeviceId, alert.AlertId) is { } replay) return replay;
        var ack = await grains.GetGrain<IDeviceGrain>(alert.DeviceId).ReceiveAsync(alert.ToDomain(gateway));
        answers.Remember(gateway, alert.DeviceId, ack);
        return ack;
    }

    private static Domain.AlertAck Rejected(Alert alert, string field, string problem, bool notPermitted = false) =>
        new(alert.AlertId, Domain.Disposition.Rejected, null, $"{field}: {problem}", field, notPermitted);

    /// <summary>The field that makes an oversized alert large, by its wire name.</summary>
    private static string Largest(Alert alert) => new (string Field, int Size)[]
    {
        ("attributes", alert.Attributes.Sum(a => a.Key.Length + a.Value.Length)),
        ("detection", alert.Detection?.CalculateSize() ?? 0),
        ("dedup_key", alert.DedupKey.Length), ("alert_id", alert.AlertId.Length), ("device_id", alert.DeviceId.Length), ("type", alert.Type.Length),
    }.MaxBy(f => f.Size).Field;

    private async Task Pipeline<TIn, TOut>(
        IAsyncStreamReader<TIn> requests, IServerStreamWriter<TOut> responses, Func<TIn, Task<TOut>> work, CancellationToken cancellationToken)
    {
        var inFlight = Channel.CreateBounded<Task<TOut>>(new BoundedChannelOptions(options.Value.MaxInFlightPerStream)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var answer in inFlight.Reader.ReadAllAsync(failed.Token))
                    await responses.WriteAsync(await answer, failed.Token);
            }
            catch
            {
                failed.Cancel(); // stop reading: nothing more can be acknowledged on this stream
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var request in requests.ReadAllAsync(failed.Token))
            {
                // Wait for room before starting the work, so that no more than the window is ever in flight.
                await inFlight.Writer.WaitToWriteAsync(failed.Token);
                inFlight.Writer.TryWrite(work(request));
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // the writer failed; its exception is reported below
        }
        finally
        {
            inFlight.Writer.TryComplete();
        }
        try
        {
            await writer;
        }
        catch (Exception e) when (e is not (OperationCanceledException or RpcException))
        {
            // Storage or the cluster failed: end the stream so the gateway reconnects and sends again what was not acked.
            logger.LogWarning(e, "A stream failed; the gateway will resend its unacknowledged messages");
            throw new RpcException(new Status(StatusCode.Unavailable, $"the message could not be stored ({e.GetType().Name}); resend what was not acknowledged"));
        }
    }
}
