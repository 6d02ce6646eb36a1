using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// The notifications' activity source and meter (both <c>Dispatch.Notifications</c>): a span per incident the
/// notifier handles and per webhook send; the time from each event to its delivery, per channel and topic; the
/// escalations.
/// </summary>
public static class NotificationTelemetry
{
    public const string Name = "Dispatch.Notifications";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>(
        "dispatch.notification.latency",
        "ms",
        "From the event to the notice's arrival (inbox stored, webhook answered 2xx)"
    );

    private static readonly Counter<long> Escalations = Meter.CreateCounter<long>(
        "dispatch.notification.escalations",
        description: "Unacknowledged notices passed on up the chain"
    );

    public static void Delivered(DeliveryRecord record)
    {
        if (record.SentAt is not { } sent)
            return;
        Latency.Record(
            (sent - record.EventAt).TotalMilliseconds,
            new("channel", record.Channel.ToString()),
            new("topic", record.Topic.ToString())
        );
    }

    public static void Escalated(NoticeState state) =>
        Escalations.Add(1, new KeyValuePair<string, object?>("topic", state.Notice.Topic.ToString()));
}
