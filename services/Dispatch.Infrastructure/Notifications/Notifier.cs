using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Domain;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// Reads every partition of the event stream in its own consumer group (<c>notifier</c>), and turns each event into
/// the notices the policy says it causes (<see cref="NotificationPolicy.NoticesFor"/>), which
/// <see cref="NoticeDelivery"/> delivers. The policy needs the incident before and after each event: the notifier
/// keeps its own view of each incident (folded by <see cref="Lifecycle.Evolve"/>, saved after each batch), and fills a
/// gap, or a view it never had, from the incident's own timeline. Any number of instances may run it: the group
/// shares the entries out, a crash leaves its entries pending for another to take, and every step of a delivery is
/// idempotent, so reading an event twice sends nothing twice. Events older than
/// <see cref="NotificationOptions.StaleAfter"/> are folded into the view but notify nobody. An event may also settle
/// notices sent before (<see cref="NoticeDelivery.SettleAsync"/>): an accepted task, a closed incident.
/// </summary>
public sealed class Notifier(
    IConnectionMultiplexer redis,
    IncidentEventStream stream,
    NotificationStore store,
    NoticeDelivery delivery,
    NotificationPolicy policy,
    Lifecycle lifecycle,
    IGrainFactory grains,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<Notifier> logger
) : PartitionedStreamConsumer<CommittedEvents>(redis, stream, logger)
{
    public const string GroupName = "notifier";

    protected override string Group => GroupName;

    protected override async Task<IReadOnlyCollection<int>> ApplyAsync(
        int partition,
        IReadOnlyList<CommittedEvents> entries,
        CancellationToken cancellationToken
    )
    {
        var byIncident = entries.Select((entry, index) => (Entry: entry, Index: index)).GroupBy(e => e.Entry.Number);
        var failed = new ConcurrentBag<int>();
        await Parallel.ForEachAsync(
            byIncident,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (incident, _) =>
            {
                try
                {
                    var trace = incident.Last().Entry.TraceParent;
                    using var activity = NotificationTelemetry.Source.StartActivity(
                        "notify incident",
                        ActivityKind.Consumer,
                        ActivityContext.TryParse(trace, null, out var parent) ? parent : default
                    );
                    activity?.SetTag("dispatch.incident", incident.Key);
                    await NotifyAsync(incident.Key, [.. incident.SelectMany(e => e.Entry.Events).OrderBy(e => e.Seq)]);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One incident that cannot be handled now must not hold up the others: its entries stay pending.
                    Logger.LogWarning(
                        e,
                        "Notifying about incident {Incident} failed; its events stay pending",
                        incident.Key
                    );
                    foreach (var entry in incident)
                        failed.Add(entry.Index);
                }
            }
        );
        return failed.IsEmpty ? [] : [.. failed];
    }

    private async Task NotifyAsync(string number, IReadOnlyList<IncidentEvent> events)
    {
        var before = await store.SeenAsync(number);
        var version = before?.Version ?? 0;
        var fresh = events.Where(e => e.Seq > version).ToList();
        if (fresh.Count == 0)
            return;
        if (fresh.Where((e, i) => e.Seq != version + 1 + i).Any())
            fresh = [.. await grains.GetGrain<IIncidentGrain>(number).GetTimelineAsync(version)];
        if (fresh.Count == 0 || fresh[0].Seq != version + 1)
            throw new InvalidOperationException(
                $"incident {number}: the notifier holds version {version} but the timeline does not go on from there"
            );
        var now = clock.GetUtcNow();
        foreach (var e in fresh)
        {
            var after = lifecycle.Evolve(before, e);
            if (now - e.At <= options.Value.StaleAfter)
                foreach (var notice in policy.NoticesFor(e, before, after))
                    await delivery.DeliverAsync(notice, after, e.At);
            await delivery.SettleAsync(e, after);
            before = after;
        }
        await store.SaveSeenAsync(before!);
    }
}
