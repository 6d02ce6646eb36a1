using System.Text.Json;
using Dispatch.Domain;
using Dispatch.Infrastructure.Blobs;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// Reads the archive in the blob store: archived incidents by number, the facts of a period, and the entries of any
/// archived stream on any day, each entry once (a part written twice after an archiver restarted, or a part next to
/// the segment it was compacted into, is read once by stream id).
/// </summary>
public sealed class IncidentArchive(IBlobStore blobs, ArchiveSources sources, Lifecycle lifecycle) : IArchive
{
    public async Task<ArchivedIncident?> IncidentAsync(string number, CancellationToken cancellationToken = default)
    {
        if (await DocumentAsync(number, cancellationToken) is not { } document)
            return null;
        var incident = lifecycle.Replay(document.Timeline);
        return incident is null ? null : new ArchivedIncident(incident, document.Timeline, document.Alerts);
    }

    /// <summary>The archived document of an incident, or null.</summary>
    public async Task<IncidentDocument?> DocumentAsync(string number, CancellationToken cancellationToken = default) =>
        ArchiveLayout.Incident(number?.Trim() ?? "") is { } name
        && await blobs.GetAsync(name, cancellationToken) is { } content
            ? JsonSerializer.Deserialize<IncidentDocument>(Ndjson.Decompress(content), DispatchSerialization.Json)
            : null;

    public async Task<IReadOnlyList<IncidentFacts>> FactsReportedAsync(
        DateTimeOffset from,
        DateTimeOffset to,
        CancellationToken cancellationToken = default
    )
    {
        if (to <= from)
            return [];
        var facts = new Dictionary<string, IncidentFacts>();
        foreach (
            var name in await NamesAsync(
                ArchiveSources.Facts,
                sources.DayOf(from),
                sources.DayOf(to.AddTicks(-1)),
                cancellationToken
            )
        )
        {
            if (await blobs.GetAsync(name, cancellationToken) is not { } content)
                continue;
            foreach (var line in Ndjson.Read(content))
            {
                var f = JsonSerializer.Deserialize<IncidentFacts>(line, DispatchSerialization.Json)!;
                if (f.ReportedAt >= from && f.ReportedAt < to)
                    facts[f.Number] = f;
            }
        }
        return [.. facts.Values.OrderBy(f => f.ReportedAt).ThenBy(f => f.Number, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The archived entries of a kind (events, alerts, reads) on the days <paramref name="from"/> to <paramref
    /// name="to"/>, each once, by stream and id.
    /// </summary>
    public async Task<IReadOnlyList<ArchivedEntry>> EntriesAsync(
        string kind,
        DateOnly from,
        DateOnly to,
        CancellationToken cancellationToken = default
    )
    {
        var entries = new Dictionary<(string, StreamId), ArchivedEntry>();
        foreach (var name in await NamesAsync(kind, from, to, cancellationToken))
        {
            if (await blobs.GetAsync(name, cancellationToken) is not { } content)
                continue;
            foreach (var line in Ndjson.Read(content))
            {
                var entry = ArchivedEntry.FromLine(line);
                entries.TryAdd((entry.Label, entry.Id), entry);
            }
        }
        return [.. entries.Values.OrderBy(e => e.Label, StringComparer.Ordinal).ThenBy(e => e.Id)];
    }

    /// <summary>
    /// The parts and segments of a kind on the days from <paramref name="from"/> to <paramref name="to"/>: one listing
    /// per month.
    /// </summary>
    private async Task<IReadOnlyList<string>> NamesAsync(
        string kind,
        DateOnly from,
        DateOnly to,
        CancellationToken cancellationToken
    )
    {
        var names = new List<string>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
            names.AddRange(
                (await blobs.ListAsync(ArchiveLayout.MonthPrefix(kind, month), cancellationToken))
                    .Where(b =>
                        b.Name.EndsWith(ArchiveLayout.Suffix, StringComparison.Ordinal)
                        && ArchiveLayout.DayOf(b.Name) is { } day
                        && day >= from
                        && day <= to
                    )
                    .Select(b => b.Name)
            );
        return names;
    }
}
