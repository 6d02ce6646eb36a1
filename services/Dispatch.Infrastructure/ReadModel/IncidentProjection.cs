using System.Diagnostics;
using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Projects the event stream into the read model: per incident its current state (folded by the domain's
/// <see cref="Lifecycle.Evolve"/>), its evaluation facts, its index memberships, its place in the action queue's
/// buckets (<see cref="ActionQueue"/>), its number in the number indexes, its position for the heat map, the daily
/// counters, and a change notice for live subscribers. Each incident's update is one Redis transaction that holds only
/// if the projected version is still the one read, and events at or below that version are skipped: a replay after a
/// crash or a restart neither loses nor double-counts an event. A gap (events of one incident split between
/// consumers) is filled from the incident's own timeline.
/// </summary>
public sealed class IncidentProjection(
    IConnectionMultiplexer redis,
    KeySpace keys,
    IncidentEventStream stream,
    Lifecycle lifecycle,
    IGrainFactory grains,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<IncidentProjection> logger
) : PartitionedStreamConsumer<CommittedEvents>(redis, stream, logger)
{
    private readonly ReadModelKeys _rm = new(keys);

    protected override string Group => "read-model";

    private WorkingCalendar Calendar => lifecycle.Catalog.Calendar;

    protected override async Task<IReadOnlyCollection<int>> ApplyAsync(
        int partition,
        IReadOnlyList<CommittedEvents> entries,
        CancellationToken cancellationToken
    )
    {
        var byIncident = entries.Select((entry, index) => (Entry: entry, Index: index)).GroupBy(e => e.Entry.Number);
        var failed = new System.Collections.Concurrent.ConcurrentBag<int>();
        await Parallel.ForEachAsync(
            byIncident,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (incident, _) =>
            {
                try
                {
                    // The projection joins the trace of the call that caused the events (the last one, when several
                    // did).
                    using var activity = ReadModelTelemetry.Source.StartActivity(
                        "project incident",
                        ActivityKind.Consumer,
                        ActivityContext.TryParse(incident.Last().Entry.TraceParent, null, out var parent)
                            ? parent
                            : default
                    );
                    activity?.SetTag("dispatch.incident", incident.Key);
                    IncidentEvent[] events = [.. incident.SelectMany(e => e.Entry.Events).OrderBy(e => e.Seq)];
                    await pipelines
                        .GetPipeline(Resilience.ReadModelWrite)
                        .ExecuteAsync(async _ => await ProjectAsync(incident.Key, events), cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One incident that cannot be projected now must not hold up the others: its entries stay pending.
                    Logger.LogWarning(
                        e,
                        "Projecting incident {Incident} failed; its events stay pending",
                        incident.Key
                    );
                    foreach (var entry in incident)
                        failed.Add(entry.Index);
                }
            }
        );
        return failed.IsEmpty ? [] : [.. failed];
    }

    private async Task ProjectAsync(string number, IReadOnlyList<IncidentEvent> events)
    {
        var db = Redis.GetDatabase();
        for (var attempt = 0; ; attempt++)
        {
            var stored = await db.StringGetAsync(_rm.Incident(number));
            var before = stored.IsNull
                ? null
                : JsonSerializer.Deserialize<Incident>((string)stored!, DispatchSerialization.Json);
            var version = before?.Version ?? 0;
            var fresh = events.Where(e => e.Seq > version).ToList();
            if (fresh.Count == 0)
                return;
            if (fresh.Where((e, i) => e.Seq != version + 1 + i).Any())
                fresh = [.. await grains.GetGrain<IIncidentGrain>(number).GetTimelineAsync(version)];
            if (fresh.Count == 0 || fresh[0].Seq != version + 1)
                throw new InvalidOperationException(
                    $"incident {number}: the projection holds version {version} "
                        + "but the timeline does not go on from there"
                );
            var factsJson = await db.HashGetAsync(_rm.Facts, number);
            var facts = factsJson.IsNull
                ? null
                : JsonSerializer.Deserialize<IncidentFacts>((string)factsJson!, DispatchSerialization.Json);

            var after = before;
            var changes = new List<ChangeNotice>();
            foreach (var e in fresh)
            {
                var next = lifecycle.Evolve(after, e);
                facts = IncidentFactsFold.Apply(facts, after, next, e, Calendar);
                changes.Add(new ChangeNotice(DispatchSerialization.KindOf(e), next, Activity.Current?.Id));
                after = next;
            }
            if (await CommitAsync(db, number, before, after!, facts!, fresh, changes))
                return;
            if (attempt >= 10)
                throw new InvalidOperationException($"projecting incident {number} lost the race {attempt} times");
        }
    }

    private async Task<bool> CommitAsync(
        IDatabase db,
        string number,
        Incident? before,
        Incident after,
        IncidentFacts facts,
        IReadOnlyList<IncidentEvent> applied,
        IReadOnlyList<ChangeNotice> changes
    )
    {
        var tx = db.CreateTransaction();
        tx.AddCondition(
            before is null
                ? Condition.HashNotExists(_rm.Versions, number)
                : Condition.HashEqual(_rm.Versions, number, before.Version)
        );
        var json = JsonSerializer.Serialize(after, DispatchSerialization.Json);
        _ = tx.StringSetAsync(_rm.Incident(number), json);
        _ = tx.HashSetAsync(_rm.Versions, number, after.Version);
        _ = tx.HashSetAsync(_rm.Facts, number, JsonSerializer.Serialize(facts, DispatchSerialization.Json));
        var score = after.ReportedAt.ToUnixTimeMilliseconds();
        var was = Indexes.Of(before);
        var now = Indexes.Of(after);
        foreach (var gone in was.Except(now))
            _ = tx.SortedSetRemoveAsync(_rm.Index(gone), number);
        // Every index it is in, not only the new ones: an index added since the incident was last projected gets it
        // too.
        foreach (var index in now)
            _ = tx.SortedSetAddAsync(_rm.Index(index), number, score);
        var queued = ActionQueue.Of(after);
        foreach (var left in ActionQueue.Of(before).Except(queued))
            _ = tx.SortedSetRemoveAsync(_rm.Queue(left), number);
        var dueScore = ActionQueue.Score(after, Calendar);
        foreach (var bucket in queued)
            _ = tx.SortedSetAddAsync(_rm.Queue(bucket), number, dueScore);
        _ = tx.SortedSetAddAsync(_rm.Numbers, number, 0);
        _ = tx.SortedSetAddAsync(_rm.NumbersReversed, Reversed(number), 0);
        if (after.Location is { } at)
            _ = tx.HashSetAsync(_rm.Positions, number, FormattableString.Invariant($"{at.Lat:R},{at.Lon:R}"));
        foreach (
            var day in applied.GroupBy(e =>
                DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(e.At, Calendar.TimeZone).DateTime)
            )
        )
            foreach (var kind in day.GroupBy(DispatchSerialization.KindOf))
                _ = tx.HashIncrementAsync(_rm.Daily(day.Key), kind.Key, kind.Count());
        // One notice per event, each with the incident as that event left it, so a subscriber sees every step.
        foreach (var change in changes)
            _ = tx.PublishAsync(
                RedisChannel.Literal(_rm.Changes),
                JsonSerializer.Serialize(change, DispatchSerialization.Json)
            );
        return await tx.ExecuteAsync();
    }

    /// <summary>A number written backwards, so that its last digits are a prefix.</summary>
    public static string Reversed(string number) =>
        string.Create(
            number.Length,
            number,
            (span, n) =>
            {
                for (var i = 0; i < n.Length; i++)
                    span[i] = n[n.Length - 1 - i];
            }
        );
}

/// <summary>
/// What the projection publishes for each event it applies: the event's kind, the incident as the event left
/// it, and the trace the projection worked in.
/// </summary>
public sealed record ChangeNotice(string Kind, Incident Incident, string? TraceParent = null);
