using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Domain;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Disposition = Dispatch.Protos.V1.Disposition;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Simulator;

/// <summary>What a run did, for the progress line and the summary.</summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<Disposition, long> _acks = new();
    private long _sent,
        _errors,
        _heartbeats;

    public long Sent => Interlocked.Read(ref _sent);
    public long Errors => Interlocked.Read(ref _errors);
    public long Heartbeats => Interlocked.Read(ref _heartbeats);
    public long Acked => _acks.Values.Sum();
    public long this[Disposition d] => _acks.GetValueOrDefault(d);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountError() => Interlocked.Increment(ref _errors);

    public void CountHeartbeat() => Interlocked.Increment(ref _heartbeats);

    public void CountAck(Disposition d) => _acks.AddOrUpdate(d, 1, (_, n) => n + 1);

    public string Line(TimeSpan elapsed) =>
        $"sent {Sent}, acked {Acked} (new {this[Disposition.NewIncident]}, attached {this[Disposition.Attached]}, "
        + $"replayed {this[Disposition.DuplicateReplay]}, suppressed {this[Disposition.Suppressed]}, "
        + $"rejected {this[Disposition.Rejected]}), "
        + $"heartbeats {Heartbeats}, errors {Errors}, {Acked / Math.Max(elapsed.TotalSeconds, 0.001):F0} alerts/s";
}

/// <summary>
/// Runs the simulated city against an ingest service: registers its gateways and devices, then every gateway
/// streams alerts at its share of the rate and beats for its working devices; unacknowledged alerts are sent
/// again after a broken stream, with the same ids, as a real gateway does.
/// </summary>
public sealed class CitySimulation(SimulatorOptions options, Catalog catalog, TextWriter output)
{
    private const int MaxUnacknowledged = 256;
    private static readonly string StreamMethod = $"/{AlertIngest.Descriptor.FullName}/StreamAlerts";
    private static readonly string HeartbeatMethod = $"/{AlertIngest.Descriptor.FullName}/StreamHeartbeats";

    public Tally Tally { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(
            options.Target,
            new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } }
        );
        var city = new City(catalog, options);
        var secrets = await RegisterAsync(channel, city, cancellationToken);
        output.WriteLine(
            $"Simulator: {city.Gateways.Count} gateways, {city.Devices.Count} devices "
                + $"({city.Devices.Count(d => d.Broken)} broken), "
                + $"{options.Profile} at {options.EffectiveRate:F0} alerts/s → {options.Target}"
        );

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration > TimeSpan.Zero)
            stop.CancelAfter(options.Duration);
        var watch = Stopwatch.StartNew();
        var client = new AlertIngest.AlertIngestClient(channel);
        var gateways = city
            .Gateways.Select(
                (g, i) =>
                    Task.WhenAll(
                        AlertsAsync(
                            client,
                            g,
                            secrets[g],
                            [.. city.Devices.Where(d => d.Gateway == g)],
                            city,
                            new Random(options.Seed + i),
                            stop.Token
                        ),
                        HeartbeatsAsync(
                            client,
                            g,
                            secrets[g],
                            [.. city.Devices.Where(d => d.Gateway == g && !d.Broken)],
                            stop.Token
                        )
                    )
            )
            .ToList();
        var progress = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ProgressSeconds));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                    output.WriteLine($"[{watch.Elapsed:hh\\:mm\\:ss}] {Tally.Line(watch.Elapsed)}");
            }
            catch (OperationCanceledException)
            {
                // the run is over
            }
        });
        await Task.WhenAll(gateways);
        await progress;
        output.WriteLine($"Simulator summary after {watch.Elapsed:hh\\:mm\\:ss}: {Tally.Line(watch.Elapsed)}");
    }

    private async Task<Dictionary<string, string>> RegisterAsync(
        GrpcChannel channel,
        City city,
        CancellationToken cancellationToken
    )
    {
        var registry = new DeviceRegistry.DeviceRegistryClient(channel);
        var admin = new Metadata { { "authorization", $"Bearer {options.AdminToken}" } };
        var secrets = new Dictionary<string, string>();
        foreach (var gateway in city.Gateways)
            secrets[gateway] = (
                await registry.RegisterGatewayAsync(
                    new RegisterGatewayRequest { GatewayId = gateway, Name = gateway },
                    admin,
                    cancellationToken: cancellationToken
                )
            ).Secret;
        await Parallel.ForEachAsync(
            city.Devices,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (d, ct) =>
                await registry.RegisterDeviceAsync(
                    new V1.DeviceRegistration
                    {
                        DeviceId = d.Id,
                        GatewayId = d.Gateway,
                        Scenario = d.Scenario.Id,
                        Kind = d.Kind,
                        Location = new V1.GeoPoint { Lat = d.Location.Lat, Lon = d.Location.Lon },
                        Street = d.Street,
                        OwnerUnit = d.Scenario.LeadUnit,
                    },
                    admin,
                    cancellationToken: ct
                )
        );
        return secrets;
    }

    private async Task AlertsAsync(
        AlertIngest.AlertIngestClient client,
        string gateway,
        string secret,
        IReadOnlyList<SimulatedDevice> devices,
        City city,
        Random random,
        CancellationToken stop
    )
    {
        var perSecond = options.EffectiveRate / city.Gateways.Count;
        var unacknowledged = new ConcurrentDictionary<string, V1.Alert>();
        var recent = new List<V1.Alert>();
        var budget = 0.0;
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.StreamAlerts(
                    GatewaySignature.Headers(gateway, secret, StreamMethod, DateTimeOffset.UtcNow),
                    cancellationToken: CancellationToken.None
                );
                using var window = new SemaphoreSlim(MaxUnacknowledged);
                using var broken = CancellationTokenSource.CreateLinkedTokenSource(stop); // the server ended the stream
                var reading = Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var ack in call.ResponseStream.ReadAllAsync())
                        {
                            unacknowledged.TryRemove(ack.AlertId, out _);
                            Tally.CountAck(ack.Disposition);
                            window.Release();
                        }
                    }
                    finally
                    {
                        broken.Cancel();
                    }
                });
                try
                {
                    foreach (var resend in unacknowledged.Values.ToList())
                    {
                        await window.WaitAsync(broken.Token);
                        await call.RequestStream.WriteAsync(resend);
                    }
                    var last = clock.Elapsed;
                    while (!stop.IsCancellationRequested)
                    {
                        budget += (clock.Elapsed - last).TotalSeconds * perSecond;
                        last = clock.Elapsed;
                        for (; budget >= 1; budget--)
                        {
                            var alert =
                                recent.Count > 0 && random.NextDouble() < options.ReplayShare
                                    ? recent[random.Next(recent.Count)]
                                    : NewAlert(devices[random.Next(devices.Count)], city, random);
                            if (recent.Count < 64)
                                recent.Add(alert);
                            else
                                recent[random.Next(recent.Count)] = alert;
                            await window.WaitAsync(broken.Token);
                            unacknowledged[alert.AlertId] = alert;
                            await call.RequestStream.WriteAsync(alert);
                            Tally.CountSent();
                        }
                        await Task.Delay(20, stop);
                    }
                }
                finally
                {
                    if (stop.IsCancellationRequested)
                        await EndAsync(call.RequestStream, reading);
                }
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                Tally.CountError();
                output.WriteLine(
                    $"{gateway}: stream broke ({(e as RpcException)?.Status.Detail ?? "ended by the server"}); "
                        + $"resending {unacknowledged.Count} unacknowledged alerts"
                );
                await Task.Delay(1000, CancellationToken.None);
            }
        }
    }

    private V1.Alert NewAlert(SimulatedDevice device, City city, Random random)
    {
        var type = city.PickType(device, random);
        var alert = new V1.Alert
        {
            AlertId = Guid.NewGuid().ToString("N"),
            DeviceId = device.Id,
            Type = type.Code,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Location = new V1.GeoPoint
            {
                Lat = device.Location.Lat + (random.NextDouble() - 0.5) * 0.0004,
                Lon = device.Location.Lon + (random.NextDouble() - 0.5) * 0.0004,
            },
            Severity = 6 - (int)type.Priority,
        };
        if (device.IsCamera)
            alert.Detection = new V1.Detection
            {
                Model = $"{device.Scenario.Id}-detector",
                ModelVersion = "2026.10",
                Confidence =
                    random.NextDouble() < 0.15 ? 0.4 + random.NextDouble() * 0.3 : 0.85 + random.NextDouble() * 0.15,
                ImageRef = $"frames/{device.Id}/{alert.AlertId}.jpg",
                Boxes =
                {
                    new BoundingBox
                    {
                        X = random.NextDouble() * 0.7,
                        Y = random.NextDouble() * 0.7,
                        Width = 0.2,
                        Height = 0.25,
                        Label = type.En,
                    },
                },
            };
        return alert;
    }

    /// <summary>
    /// Ends a stream as a gateway that goes away politely: no more requests, then the last answers (for a moment).
    /// </summary>
    private static async Task EndAsync<T>(IClientStreamWriter<T> requests, Task answers)
    {
        try
        {
            await requests.CompleteAsync();
            await answers.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e)
            when (e is InvalidOperationException or RpcException or ObjectDisposedException or TimeoutException)
        {
            // the stream had already ended, or its last answers are not coming
        }
    }

    private async Task HeartbeatsAsync(
        AlertIngest.AlertIngestClient client,
        string gateway,
        string secret,
        IReadOnlyList<SimulatedDevice> devices,
        CancellationToken stop
    )
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.StreamHeartbeats(
                    GatewaySignature.Headers(gateway, secret, HeartbeatMethod, DateTimeOffset.UtcNow),
                    cancellationToken: CancellationToken.None
                );
                var reading = Task.Run(async () =>
                {
                    await foreach (var _ in call.ResponseStream.ReadAllAsync())
                        Tally.CountHeartbeat();
                });
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.HeartbeatSeconds));
                try
                {
                    do
                    {
                        foreach (var device in devices)
                            await call.RequestStream.WriteAsync(
                                new Heartbeat
                                {
                                    DeviceId = device.Id,
                                    SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                                }
                            );
                    } while (await timer.WaitForNextTickAsync(stop));
                }
                finally
                {
                    if (stop.IsCancellationRequested)
                        await EndAsync(call.RequestStream, reading);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
                Tally.CountError();
                await Task.Delay(1000, CancellationToken.None);
            }
        }
    }
}
