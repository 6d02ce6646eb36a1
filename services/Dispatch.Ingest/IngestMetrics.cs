using System.Diagnostics;
using System.Diagnostics.Metrics;
using Domain = Dispatch.Domain;

namespace Dispatch.Ingest;

/// <summary>
/// The ingest's own meter (<c>Dispatch.Ingest</c>): alerts by disposition, alert-to-ack latency, open gateway streams.
/// </summary>
public static class IngestMetrics
{
    public static readonly Meter Meter = new("Dispatch.Ingest");
    private static readonly Counter<long> Alerts = Meter.CreateCounter<long>(
        "dispatch.ingest.alerts",
        description: "Alerts acknowledged, by disposition"
    );
    private static readonly Histogram<double> AckLatency = Meter.CreateHistogram<double>(
        "dispatch.ingest.ack_latency",
        "ms",
        "From an alert's arrival to its durable ack"
    );
    private static readonly UpDownCounter<long> OpenStreams = Meter.CreateUpDownCounter<long>(
        "dispatch.ingest.open_streams",
        description: "Gateway streams open now"
    );

    public static void Acked(Domain.AlertAck ack, long startedAt)
    {
        var disposition = new KeyValuePair<string, object?>("disposition", ack.Disposition.ToString());
        Alerts.Add(1, disposition);
        AckLatency.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, disposition);
    }

    /// <summary>Counts a stream as open until the returned handle is disposed.</summary>
    public static IDisposable StreamOpened(string kind)
    {
        var tag = new KeyValuePair<string, object?>("stream", kind);
        OpenStreams.Add(1, tag);
        return new Closing(() => OpenStreams.Add(-1, tag));
    }

    private sealed class Closing(Action close) : IDisposable
    {
        public void Dispose() => close();
    }
}
