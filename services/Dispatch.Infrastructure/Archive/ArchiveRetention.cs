using System.Text.Json;
using Dispatch.Domain;
using Dispatch.Infrastructure.Blobs;
using Dispatch.Infrastructure.ReadModel;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Archive;

/// <summary>What one retention pass did.</summary>
public sealed record RetentionPass(bool Ran, long EntriesTrimmed, int IncidentsArchived, int SegmentsCompacted);

/// <summary>
/// Keeps Redis to its hot windows, every <see cref="ArchiveOptions.RetentionInterval"/>, one instance at a time:
/// <list type="number">
/// <item>trims each archived stream to its window, but never past what the archiver has acknowledged, nor past what
/// any other consumer group of the stream has yet to read or acknowledge (one script per stream decides and
/// trims);</item>
/// <item>moves each closed, dismissed or merged incident whose last event is older than
/// <see cref="ArchiveOptions.ClosedIncidentDays"/> out of Redis: first its whole document and its facts into the
/// archive,
/// then its record (only if no command came in the meantime), then its read-model entries, index memberships and facts
/// (only if the projection holds that same version);</item>
/// <item>compacts the parts of past days into one segment per stream and day.</item>
/// </list>
/// Every step may be cut off and done again: a second write of a document or a part holds the same data, and readers
/// take each entry and each incident's facts once.
/// </summary>
public sealed class ArchiveRetention(
    IConnectionMultiplexer redis,
    KeySpace keys,
    Partitions partitions,
    IIncidentStore incidents,
    ReadModelStore readModel,
    Lifecycle lifecycle,
    ArchiveSources sources,
    IBlobStore blobs,
    ArchiveOptions options,
    TimeProvider time,
    ILogger<ArchiveRetention> logger,
    IGrainFactory? grains = null
) : BackgroundService
{
    private const int Batch = 200;
    private static readonly IncidentState[] Ended =
    [
        IncidentState.Closed,
        IncidentState.Dismissed,
        IncidentState.Merged,
    ];

    /// <summary>
    /// KEYS[1]: a stream. ARGV[1]: the archiver's group; ARGV[2]: the window's edge (Unix ms). Trims to the lowest of
    /// the
    /// edge and, for every group, its oldest pending entry or the entry after the last it was given. Nothing without
    /// the archiver's group. Returns the count trimmed and the id trimmed to.
    /// </summary>
    private static readonly LuaScript Trim = LuaScript.Prepare(
        """
        if redis.call('EXISTS', @stream) == 0 then return {0, ''} end
        local function parse(id)
          local dash = string.find(id, '-', 1, true)
          return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
        end
        local cm, cs = tonumber(@edge), 0
        local archived = false
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', @stream)) do
          local info = {}
          for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
          if info['name'] == @group then archived = true end
          local m, s
          if info['pending'] > 0 then
            m, s = parse(redis.call('XPENDING', @stream, info['name'])[2])
          else
            m, s = parse(info['last-delivered-id'])
            s = s + 1
          end
          if m < cm or (m == cm and s < cs) then cm, cs = m, s end
        end
        if not archived then return {0, ''} end
        local cut = string.format('%d-%d', cm, cs)
        return {redis.call('XTRIM', @stream, 'MINID', cut), cut}
        """
    );

    /// <summary>
    /// KEYS: the record, the deadline index. ARGV: the version archived, the number. Deletes the record only at that
    /// version.
    /// </summary>
    private static readonly LuaScript DeleteRecord = LuaScript.Prepare(
        """
        local head = redis.call('GETRANGE', @record, 0, 24)
        if head == '' then return 0 end
        local colon = string.find(head, ':', 1, true)
        if not colon or string.sub(head, 1, colon - 1) ~= @version then return -1 end
        redis.call('DEL', @record)
        redis.call('ZREM', @deadlines, @number)
        return 1
        """
    );

    private readonly ReadModelKeys _rm = new(keys);

    private IDatabase Db => redis.GetDatabase();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ClosedIncidents < TimeSpan.FromDays(30))
            logger.LogWarning(
                "Archive:ClosedIncidentDays is {Days}: incidents leave Redis before the reopen window ends "
                    + "and can then no longer be reopened",
                options.ClosedIncidentDays
            );
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.RetentionInterval, time, stoppingToken);
                var pass = await RunAsync(stoppingToken);
                if (pass.EntriesTrimmed + pass.IncidentsArchived + pass.SegmentsCompacted > 0)
                    logger.LogInformation(
                        "Retention: {Entries} stream entries trimmed, {Incidents} incidents moved to the archive, "
                            + "{Segments} day segments compacted",
                        pass.EntriesTrimmed,
                        pass.IncidentsArchived,
                        pass.SegmentsCompacted
                    );
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A retention pass failed; the next one tries again");
            }
        }
    }

    /// <summary>One pass, unless another instance is running one.</summary>
    public async Task<RetentionPass> RunAsync(CancellationToken cancellationToken = default)
    {
        var lease = keys.Shared("archive:retention");
        var token = Guid.NewGuid().ToString("N");
        if (
            !await Db.StringSetAsync(
                lease,
                token,
                options.RetentionInterval * 2 + TimeSpan.FromMinutes(10),
                When.NotExists
            )
        )
            return new RetentionPass(false, 0, 0, 0);
        try
        {
            var now = time.GetUtcNow();
            long trimmed = 0;
            foreach (var source in sources.All)
                trimmed += await TrimAsync(source, now - source.Window);
            var archived = await ArchiveEndedIncidentsAsync(now - options.ClosedIncidents, cancellationToken);
            var compacted = await CompactAsync(now, cancellationToken);
            return new RetentionPass(true, trimmed, archived.Count, compacted + archived.FactDays);
        }
        finally
        {
            await Db.ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [lease],
                [token]
            );
        }
    }

    /// <summary>Trims one stream to its window, below what every group has read and acknowledged.</summary>
    public async Task<long> TrimAsync(ArchiveSource source, DateTimeOffset edge)
    {
        var result = (RedisResult[])
            (
                await Db.ScriptEvaluateAsync(
                    Trim,
                    new
                    {
                        stream = (RedisKey)source.Key,
                        group = StreamArchiver.Group,
                        edge = edge.ToUnixTimeMilliseconds(),
                    }
                )
            )!;
        return (long)result[0];
    }

    /// <summary>
    /// Moves incidents that ended before <paramref name="cutoff"/> (and were not touched since) to the archive.
    /// </summary>
    private async Task<(int Count, int FactDays)> ArchiveEndedIncidentsAsync(
        DateTimeOffset cutoff,
        CancellationToken cancellationToken
    )
    {
        var count = 0;
        var factDays = new HashSet<DateOnly>();
        foreach (var state in Ended)
        {
            var index = _rm.Index(Indexes.State(state.ToString()));
            var skip = 0L;
            while (!cancellationToken.IsCancellationRequested)
            {
                // An incident that ended before the cutoff was reported before it: the index is scored by report time.
                var numbers = (
                    await Db.SortedSetRangeByScoreAsync(
                        index,
                        double.NegativeInfinity,
                        cutoff.ToUnixTimeMilliseconds(),
                        skip: skip,
                        take: Batch
                    )
                )
                    .Select(n => (string)n!)
                    .ToList();
                if (numbers.Count == 0)
                    break;
                var moved = await ArchiveAsync(numbers, cutoff, factDays, cancellationToken);
                count += moved;
                skip += numbers.Count - moved;
                if (numbers.Count < Batch)
                    break;
            }
        }
        foreach (var day in factDays)
            await CompactFactsAsync(day, cancellationToken);
        return (count, factDays.Count);
    }

    private async Task<int> ArchiveAsync(
        IReadOnlyList<string> numbers,
        DateTimeOffset cutoff,
        HashSet<DateOnly> factDays,
        CancellationToken cancellationToken
    )
    {
        var db = Db;
        var projected = await db.HashGetAsync(_rm.Versions, [.. numbers.Select(n => (RedisValue)n)]);
        var leaving = new List<(IncidentDocument Document, Incident Incident)>();
        var finishing = new List<(string Number, long Version)>();
        for (var i = 0; i < numbers.Count; i++)
        {
            var number = numbers[i];
            if (projected[i].IsNull)
                continue;
            var record = await incidents.LoadAsync(number);
            if (record is null)
            {
                // Its record left already (a pass cut off halfway): finish with the read model, if the archive has it.
                if (ArchiveLayout.Incident(number) is { } name && await blobs.ExistsAsync(name, cancellationToken))
                    finishing.Add((number, (long)projected[i]));
                continue;
            }
            if (
                record.Incident is not { IsOpen: false } incident
                || record.Timeline.IsEmpty
                || record.Timeline[^1].At > cutoff
                || (long)projected[i] != record.Version
            )
                continue;
            var alerts = await readModel.AlertsAsync(number);
            var facts = await db.HashGetAsync(_rm.Facts, number) is { IsNull: false } json
                ? JsonSerializer.Deserialize<IncidentFacts>((string)json!, DispatchSerialization.Json)!
                : IncidentFactsFold.From(record.Timeline, lifecycle);
            leaving.Add(
                (
                    new IncidentDocument(number, record.Version, time.GetUtcNow(), record.Timeline, alerts, facts),
                    incident
                )
            );
        }
        if (leaving.Count == 0 && finishing.Count == 0)
            return 0;

        // The archive first: each incident whole, then the facts of the batch by report day.
        foreach (var (document, _) in leaving)
            await blobs.PutAsync(
                ArchiveLayout.Incident(document.Number)!,
                Ndjson.Compress(JsonSerializer.Serialize(document, DispatchSerialization.Json)),
                cancellationToken
            );
        foreach (var day in leaving.Select(l => l.Document.Facts).GroupBy(f => sources.DayOf(f.ReportedAt)))
        {
            await blobs.PutAsync(
                ArchiveLayout.FactsPart(day.Key, day.Select(f => f.Number)),
                Ndjson.Write(day.Select(f => JsonSerializer.Serialize(f, DispatchSerialization.Json))),
                cancellationToken
            );
            factDays.Add(day.Key);
        }

        // Then Redis: the record, unless a command came in since; then the read model at the version archived.
        var moved = 0;
        foreach (var (document, incident) in leaving)
        {
            var partition = partitions.Of(document.Number);
            var deleted = (long)
                await db.ScriptEvaluateAsync(
                    DeleteRecord,
                    new
                    {
                        record = (RedisKey)keys.Tagged($"p{partition}", $"incident:{document.Number}"),
                        deadlines = (RedisKey)keys.Tagged($"p{partition}", "deadlines"),
                        version = document.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        number = document.Number,
                    }
                );
            if (deleted < 0)
                continue;
            // An activation of the incident may still hold the record it read: let it go, so reads go to the archive.
            if (grains is not null)
                await grains
                    .GetGrain<IIncidentGrain>(document.Number)
                    .Cast<Orleans.Core.Internal.IGrainManagementExtension>()
                    .DeactivateOnIdle();
            if (await DeleteReadModelAsync(db, document.Number, document.Version, incident))
                moved++;
        }
        foreach (var (number, version) in finishing)
        {
            var incident = await db.StringGetAsync(_rm.Incident(number)) is { IsNull: false } json
                ? JsonSerializer.Deserialize<Incident>((string)json!, DispatchSerialization.Json)
                : null;
            if (await DeleteReadModelAsync(db, number, version, incident))
                moved++;
        }
        return moved;
    }

    /// <summary>
    /// Removes an incident's read model (JSON, version, facts, alerts, index memberships) if it is still at <paramref
    /// name="version"/>.
    /// </summary>
    private async Task<bool> DeleteReadModelAsync(IDatabase db, string number, long version, Incident? incident)
    {
        var tx = db.CreateTransaction();
        tx.AddCondition(Condition.HashEqual(_rm.Versions, number, version));
        _ = tx.KeyDeleteAsync([_rm.Incident(number), _rm.Alerts(number)]);
        _ = tx.HashDeleteAsync(_rm.Versions, number);
        _ = tx.HashDeleteAsync(_rm.Facts, number);
        foreach (var index in Indexes.Of(incident))
            _ = tx.SortedSetRemoveAsync(_rm.Index(index), number);
        return await tx.ExecuteAsync();
    }

    /// <summary>
    /// Merges the parts of past days (up to <see cref="ArchiveOptions.CompactDays"/> back) into one segment per stream
    /// and day.
    /// </summary>
    private async Task<int> CompactAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = sources.DayOf(now);
        var compacted = 0;
        foreach (var kind in sources.All.Select(s => s.Kind).Distinct())
            for (var day = today.AddDays(-options.CompactDays); day < today; day = day.AddDays(1))
            {
                var names = await blobs.ListAsync(ArchiveLayout.DayFolder(kind, day), cancellationToken);
                foreach (
                    var label in names
                        .GroupBy(n => ArchiveLayout.LabelOf(n.Name))
                        .Where(g => g.Any(n => ArchiveLayout.IsPart(n.Name)))
                )
                {
                    await MergeAsync(
                        ArchiveLayout.Segment(kind, day, label.Key),
                        [.. label.Select(n => n.Name)],
                        lines =>
                            lines
                                .Select(l => (Entry: ArchivedEntry.FromLine(l), Line: l))
                                .DistinctBy(e => e.Entry.Id)
                                .OrderBy(e => e.Entry.Id)
                                .Select(e => e.Line),
                        cancellationToken
                    );
                    compacted++;
                }
            }
        return compacted;
    }

    private async Task CompactFactsAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var names = await blobs.ListAsync(ArchiveLayout.DayFolder(ArchiveSources.Facts, day), cancellationToken);
        if (names.Count(n => ArchiveLayout.IsPart(n.Name)) == 0)
            return;
        await MergeAsync(
            ArchiveLayout.Segment(ArchiveSources.Facts, day, ArchiveSources.Facts),
            [.. names.Select(n => n.Name)],
            lines =>
                lines
                    .Select(l =>
                        (Facts: JsonSerializer.Deserialize<IncidentFacts>(l, DispatchSerialization.Json)!, Line: l)
                    )
                    .GroupBy(f => f.Facts.Number)
                    .Select(g => g.Last())
                    .OrderBy(f => f.Facts.ReportedAt)
                    .ThenBy(f => f.Facts.Number, StringComparer.Ordinal)
                    .Select(f => f.Line),
            cancellationToken
        );
    }

    /// <summary>
    /// Writes the lines of <paramref name="names"/>, each entry once, as <paramref name="segment"/>; then deletes the
    /// parts merged.
    /// </summary>
    private async Task MergeAsync(
        string segment,
        IReadOnlyList<string> names,
        Func<IReadOnlyList<string>, IEnumerable<string>> distinct,
        CancellationToken cancellationToken
    )
    {
        var lines = new List<string>();
        foreach (var name in names)
            if (await blobs.GetAsync(name, cancellationToken) is { } content)
                lines.AddRange(Ndjson.Read(content));
        await blobs.PutAsync(segment, Ndjson.Write(distinct(lines)), cancellationToken);
        foreach (var part in names.Where(n => n != segment))
            await blobs.DeleteAsync(part, cancellationToken);
    }
}
