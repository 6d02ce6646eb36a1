using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Protos;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Benchmarks;

/// <summary>What one phase measured.</summary>
internal sealed record Result(
    string Phase,
    int Alerts,
    double PerSecond,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    double CommandsPerAlert,
    IReadOnlyDictionary<V1.Disposition, int> Dispositions,
    IReadOnlyList<string> Opened
)
{
    public double RatioTo(Result echo) => PerSecond / echo.PerSecond;
}

/// <summary>
/// Drives alerts over one signed stream per gateway, the way gateways send them, and measures alert-to-ack latency.
/// Closed loop: each stream keeps <see cref="Window"/> alerts in flight and sends the next when an ack frees a
/// place, which finds the maximum rate. Open loop: alerts leave on a fixed schedule whatever the answers do, and
/// latency counts from the scheduled instant, so a stall shows as the latency of everything queued behind it.
/// </summary>
internal sealed class Load(IReadOnlyList<BenchGateway> gateways, IReadOnlyDictionary<string, string> gatewayOfDevice)
{
    public const int Window = 256;

    public Task<Result> ClosedAsync(
        string phase,
        GrpcChannel target,
        IReadOnlyList<V1.Alert> alerts,
        Func<Task<long>>? commands
    ) => RunAsync(phase, target, alerts, commands, rate: null);

    public Task<Result> PacedAsync(
        string phase,
        GrpcChannel target,
        IReadOnlyList<V1.Alert> alerts,
        double rate,
        Func<Task<long>>? commands
    ) => RunAsync(phase, target, alerts, commands, rate);

    private async Task<Result> RunAsync(
        string phase,
        GrpcChannel target,
        IReadOnlyList<V1.Alert> alerts,
        Func<Task<long>>? commands,
        double? rate
    )
    {
        Console.WriteLine($"  {phase}: {alerts.Count} alerts" + (rate is { } r ? $" paced at {r:F0}/s" : ""));
        var client = new V1.AlertIngest.AlertIngestClient(target);
        var before = commands is null ? 0 : await commands();
        var latencies = new ConcurrentBag<double>();
        var dispositions = new ConcurrentDictionary<V1.Disposition, int>();
        var rejections = new ConcurrentDictionary<string, int>();
        var opened = new ConcurrentBag<string>();
        // Each alert's instant: its scheduled one when paced, else when it was written.
        var schedule = alerts.Select((a, i) => (Alert: a, Index: i)).ToLookup(x => gatewayOfDevice[x.Alert.DeviceId]);
        var start = Stopwatch.GetTimestamp();
        long ScheduledAt(int index) => start + (long)(index / rate!.Value * Stopwatch.Frequency);
        await Task.WhenAll(
            gateways.Select(async gateway =>
            {
                var mine = schedule[gateway.Id].ToList();
                // By alert id; a queue, as a phase of replays sends one id more than once.
                var sentAt = new ConcurrentDictionary<string, ConcurrentQueue<long>>();
                using var call = client.StreamAlerts(
                    GatewaySignature.Headers(
                        gateway.Id,
                        gateway.Secret,
                        $"/{V1.AlertIngest.Descriptor.FullName}/StreamAlerts",
                        DateTimeOffset.UtcNow
                    )
                );
                using var window = new SemaphoreSlim(rate is null ? Window : int.MaxValue);
                var reading = Task.Run(async () =>
                {
                    await foreach (var ack in call.ResponseStream.ReadAllAsync())
                    {
                        if (sentAt.TryGetValue(ack.AlertId, out var sent) && sent.TryDequeue(out var at))
                            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                        dispositions.AddOrUpdate(ack.Disposition, 1, (_, n) => n + 1);
                        if (ack.Disposition == V1.Disposition.NewIncident)
                            opened.Add(ack.IncidentNumber);
                        if (ack.Disposition == V1.Disposition.Rejected)
                            rejections.AddOrUpdate(
                                ack.Reason.Length > 80 ? ack.Reason[..80] : ack.Reason,
                                1,
                                (_, n) => n + 1
                            );
                        if (rate is null)
                            window.Release();
                    }
                });
                foreach (var (alert, index) in mine)
                {
                    if (rate is null)
                    {
                        await window.WaitAsync();
                        sentAt.GetOrAdd(alert.AlertId, _ => new()).Enqueue(Stopwatch.GetTimestamp());
                    }
                    else
                    {
                        var due = ScheduledAt(index);
                        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                        if (wait > TimeSpan.FromMilliseconds(1))
                            await Task.Delay(wait);
                        sentAt.GetOrAdd(alert.AlertId, _ => new()).Enqueue(due);
                    }
                    await call.RequestStream.WriteAsync(alert);
                }
                await call.RequestStream.CompleteAsync();
                await reading;
            })
        );
        var elapsed = Stopwatch.GetElapsedTime(start);
        foreach (var (reason, count) in rejections)
            Console.WriteLine($"  {phase}: {count} rejected: {reason}");
        var after = commands is null ? 0 : await commands();
        var sorted = latencies.Order().ToList();
        return new Result(
            phase,
            alerts.Count,
            alerts.Count / elapsed.TotalSeconds,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.99),
            Percentile(sorted, 0.999),
            commands is null ? 0 : (double)(after - before) / alerts.Count,
            dispositions.ToDictionary(d => d.Key, d => d.Value),
            [.. opened]
        );
    }

    /// <summary>The nearest-rank percentile of sorted values (zero when there are none).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
