using Dispatch.Domain;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// One Redis stream the archiver copies: its kind (<c>events</c>, <c>alerts</c>, <c>reads</c>: the archive's top-level
/// folders), its label within the kind (the partition, <c>p03</c>, <c>a11</c>, or <c>reads</c>), its key, the fields
/// that hold JSON (written into the segment as JSON, not as a string, so that jq reads them), and its hot window.
/// </summary>
public sealed record ArchiveSource(
    string Kind,
    string Label,
    string Key,
    IReadOnlySet<string> JsonFields,
    TimeSpan Window
);

/// <summary>
/// The streams the archive keeps: every partition of the event streams and of the alert record, and the read log.
/// Their keys are those their stores write (<see cref="RedisIncidentStore.Events"/>, <see
/// cref="RedisAlertJournal.Record"/>,
/// and the read log's <c>{svc}:reads</c>). Also when days begin: in the district's time zone.
/// </summary>
public sealed class ArchiveSources
{
    public const string Events = "events";
    public const string Alerts = "alerts";
    public const string Reads = "reads";

    /// <summary>
    /// The kind of the segments of evaluation facts, by report day (written as incidents leave Redis).
    /// </summary>
    public const string Facts = "facts";

    public ArchiveSources(KeySpace keys, Partitions partitions, ArchiveOptions options, TimeZoneInfo zone)
    {
        Zone = zone;
        All =
        [
            .. partitions.All.Select(p => new ArchiveSource(
                Events,
                $"p{p:D2}",
                RedisIncidentStore.Events(keys, p),
                new HashSet<string> { "events" },
                options.ClosedIncidents
            )),
            .. partitions.All.Select(p => new ArchiveSource(
                Alerts,
                $"a{p:D2}",
                RedisAlertJournal.Record(keys, p),
                new HashSet<string> { "alert" },
                options.AlertRecord
            )),
            // The read log's key as ReadLog writes it.
            new ArchiveSource(Reads, Reads, keys.Shared("reads"), new HashSet<string>(), options.ReadLog),
        ];
    }

    public IReadOnlyList<ArchiveSource> All { get; }

    /// <summary>The time zone whose days the segments are cut by (the catalog's calendar: Asia/Shanghai).</summary>
    public TimeZoneInfo Zone { get; }

    public DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);

    /// <summary>The instant <paramref name="day"/> begins in the district.</summary>
    public DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public static ArchiveSources For(KeySpace keys, Partitions partitions, ArchiveOptions options, Catalog catalog) =>
        new(keys, partitions, options, catalog.Calendar.TimeZone);
}
