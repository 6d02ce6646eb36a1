using System.Threading.Channels;
using Dispatch.Abstractions;
using Dispatch.Ingest.Auth;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Domain = Dispatch.Domain;

namespace Dispatch.Ingest.Services;

/// <summary>
/// Takes gateways' alerts and heartbeats to their device grains. A stream is worked as a bounded pipeline: at most
/// <see cref="IngestOptions.MaxInFlightPerStream"/> alerts in flight, acks in arrival order; when the window is full
/// the stream is not read, so HTTP/2 flow control slows that gateway and no other. The alerts a stream has ready are
/// gathered per device and each device's go as one call (<see cref="DeviceBatches"/>).
/// </summary>
[Authorize(Policy = GatewayAuthentication.GatewayPolicy)]
public sealed class AlertIngestService(
    IGrainFactory grains,
    RecentAnswers answers,
    IOptions<IngestOptions> options,
    ILogger<AlertIngestService> logger
) : AlertIngest.AlertIngestBase
{
    public override async Task StreamAlerts(
        IAsyncStreamReader<Alert> requestStream,
        IServerStreamWriter<AlertAck> responseStream,
        ServerCallContext context
    )
    {
        var gateway = GatewayAuthentication.GatewayOf(context);
        using var open = IngestMetrics.StreamOpened("alerts");
        var batches = new DeviceBatches(
            (device, alerts) => grains.GetGrain<IDeviceGrain>(device).ReceiveAllAsync(alerts)
        );
        await Pipeline(
            requestStream,
            responseStream,
            async alert => (await IngestAsync(alert, gateway, batches.Add)).ToProto(),
            context.CancellationToken,
            batches.Send
        );
    }

    public override async Task<AlertAck> ReportAlert(Alert request, ServerCallContext context)
    {
        var ack = await IngestAsync(
            request,
            GatewayAuthentication.GatewayOf(context),
            alert => grains.GetGrain<IDeviceGrain>(alert.DeviceId).ReceiveAsync(alert)
        );
        if (ack.Disposition == Domain.Disposition.Rejected)
            throw ack.NotPermitted
                ? Problems.Refused(
                    StatusCode.PermissionDenied,
                    Problems.Reasons.PermissionDenied,
                    ack.Reason ?? "",
                    ack.Field
                )
                : Problems.Refused(
                    StatusCode.InvalidArgument,
                    Problems.Reasons.InvalidArgument,
                    ack.Reason ?? "",
                    ack.Field
                );
        return ack.ToProto();
    }

    public override async Task StreamHeartbeats(
        IAsyncStreamReader<Heartbeat> requestStream,
        IServerStreamWriter<HeartbeatAck> responseStream,
        ServerCallContext context
    )
    {
        var gateway = GatewayAuthentication.GatewayOf(context);
        using var open = IngestMetrics.StreamOpened("heartbeats");
        await Pipeline(
            requestStream,
            responseStream,
            async beat =>
            {
                if (string.IsNullOrEmpty(beat.DeviceId))
                    return new HeartbeatAck { Accepted = false, Reason = "device_id: is required" };
                var result = await grains.GetGrain<IDeviceGrain>(beat.DeviceId).HeartbeatAsync(gateway);
                return new HeartbeatAck
                {
                    DeviceId = beat.DeviceId,
                    Accepted = result.Accepted,
                    Reason = result.Problem?.Message ?? "",
                    ResolvedIncident = result.ResolvedIncident ?? "",
                };
            },
            context.CancellationToken
        );
    }

    /// <summary>
    /// Answers what needs no device at once, hands the rest to <paramref name="device"/>, and counts the answer.
    /// </summary>
    private async Task<Domain.AlertAck> IngestAsync(
        Alert alert,
        string gateway,
        Func<Domain.Alert, Task<Domain.AlertAck>> device
    )
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ack = Screen(alert, gateway);
        if (ack is null)
        {
            ack = await device(alert.ToDomain(gateway));
            answers.Remember(gateway, alert.DeviceId, ack);
        }
        IngestMetrics.Acked(ack, started);
        return ack;
    }

    /// <summary>
    /// The answer to an alert that needs no device: a malformed one, or one answered before by this process.
    /// </summary>
    private Domain.AlertAck? Screen(Alert alert, string gateway)
    {
        if (alert.CalculateSize() is var size && size > options.Value.MaxAlertBytes)
            return Rejected(
                alert,
                Largest(alert),
                $"the alert is {size} bytes, more than {options.Value.MaxAlertBytes}; the largest part is this field"
            );
        if (alert.GatewayId is { Length: > 0 } named && named != gateway)
            return Rejected(
                alert,
                "gateway_id",
                $"'{named}' is not the signed gateway '{gateway}'",
                notPermitted: true
            );
        if (string.IsNullOrEmpty(alert.DeviceId))
            return Rejected(alert, "device_id", "is required");
        return answers.Find(gateway, alert.DeviceId, alert.AlertId);
    }

    private static Domain.AlertAck Rejected(Alert alert, string field, string problem, bool notPermitted = false) =>
        new(alert.AlertId, Domain.Disposition.Rejected, null, $"{field}: {problem}", field, notPermitted);

    /// <summary>The field that makes an oversized alert large, by its wire name.</summary>
    private static string Largest(Alert alert) =>
        new (string Field, int Size)[]
        {
            ("attributes", alert.Attributes.Sum(a => a.Key.Length + a.Value.Length)),
            ("detection", alert.Detection?.CalculateSize() ?? 0),
            ("dedup_key", alert.DedupKey.Length),
            ("alert_id", alert.AlertId.Length),
            ("device_id", alert.DeviceId.Length),
            ("type", alert.Type.Length),
        }
            .MaxBy(f => f.Size)
            .Field;

    /// <summary>
    /// Works a stream with at most the window in flight. <paramref name="idle"/> runs whenever the reader is about to
    /// wait, for more input or for room in the window: work gathered so far must start then.
    /// </summary>
    private async Task Pipeline<TIn, TOut>(
        IAsyncStreamReader<TIn> requests,
        IServerStreamWriter<TOut> responses,
        Func<TIn, Task<TOut>> work,
        CancellationToken cancellationToken,
        Action? idle = null
    )
    {
        var inFlight = Channel.CreateBounded<Task<TOut>>(
            new BoundedChannelOptions(options.Value.MaxInFlightPerStream) { SingleReader = true, SingleWriter = true }
        );
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(
            async () =>
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
            },
            CancellationToken.None
        );
        try
        {
            while (true)
            {
                var next = requests.MoveNext(failed.Token);
                if (!next.IsCompleted)
                    idle?.Invoke();
                if (!await next)
                    break;
                // Wait for room before starting the work, so that no more than the window is ever in flight.
                var room = inFlight.Writer.WaitToWriteAsync(failed.Token);
                if (!room.IsCompleted)
                    idle?.Invoke();
                await room;
                inFlight.Writer.TryWrite(work(requests.Current));
            }
        }
        catch (OperationCanceledException)
            when (failed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // the writer failed; its exception is reported below
        }
        finally
        {
            idle?.Invoke(); // nothing gathered is left unsent: every answer in the window completes
            inFlight.Writer.TryComplete();
        }
        try
        {
            await writer;
        }
        catch (Exception e) when (e is not (OperationCanceledException or RpcException))
        {
            // Storage or the cluster failed: end the stream so the gateway reconnects and sends again what was not
            // acked.
            logger.LogWarning(e, "A stream failed; the gateway will resend its unacknowledged messages");
            throw new RpcException(
                new Status(
                    StatusCode.Unavailable,
                    $"the message could not be stored ({e.GetType().Name}); resend what was not acknowledged"
                )
            );
        }
    }
}
