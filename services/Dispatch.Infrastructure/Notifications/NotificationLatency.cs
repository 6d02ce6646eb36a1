using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// How fast one channel delivered: how many deliveries arrived, how many did not (yet), and p50/p99/max of event →
/// arrival.
/// </summary>
public sealed record ChannelLatency(
    DeliveryChannel Channel,
    int Delivered,
    int Undelivered,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan Max
);

/// <summary>
/// For the benchmark: the time from an event to its notices' arrival, read from the delivery records (each holds
/// the event's time and the time it arrived: the inbox stored it, or the webhook answered 2xx).
/// </summary>
public static class NotificationLatency
{
    /// <summary>
    /// The latency per channel (in-app and webhook) of the notices of <paramref name="topic"/> about
    /// <paramref name="incidents"/>; escalations are left out (their wait is the policy's, not the system's).
    /// </summary>
    public static async Task<IReadOnlyList<ChannelLatency>> MeasureAsync(
        NotificationStore store,
        IEnumerable<string> incidents,
        NoticeTopic topic = NoticeTopic.Dispatched
    )
    {
        var records = new List<DeliveryRecord>();
        foreach (var number in incidents)
            records.AddRange(
                (await store.DeliveriesAsync(number)).Where(d =>
                    d.Topic == topic && d.EscalatedFrom is null && d.Channel != DeliveryChannel.Escalation
                )
            );
        return
        [
            .. records
                .GroupBy(d => d.Channel)
                .OrderBy(g => g.Key)
                .Select(channel =>
                {
                    var arrived = channel
                        .Where(d => d.SentAt is not null)
                        .Select(d => d.SentAt!.Value - d.EventAt)
                        .Order()
                        .ToList();
                    return new ChannelLatency(
                        channel.Key,
                        arrived.Count,
                        channel.Count() - arrived.Count,
                        Percentile(arrived, 0.50),
                        Percentile(arrived, 0.99),
                        arrived.Count > 0 ? arrived[^1] : TimeSpan.Zero
                    );
                }),
        ];
    }

    /// <summary>The nearest-rank percentile of sorted values (zero when there are none).</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0
            ? TimeSpan.Zero
            : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
