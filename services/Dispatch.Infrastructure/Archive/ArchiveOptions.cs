namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// The archive and the hot windows (section <c>Archive</c>). Windows are in days and may be fractions (tests and the
/// soak benchmark shorten them to seconds). Everything older than its window leaves Redis once the archive holds it.
/// </summary>
public sealed record ArchiveOptions
{
    /// <summary>Whether this host runs the archiver and the retention (the lookups work either way).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long alerts stay in the alert record (the partitions <c>{svc:aN}:alerts</c>).</summary>
    public double AlertRecordDays { get; init; } = 7;

    /// <summary>
    /// How long a closed, dismissed or merged incident stays in Redis after its last event (record, read model, facts),
    /// and how long entries stay in the event streams. Keep it at least the catalog's reopen window (30 days): an
    /// incident that has left Redis can no longer be reopened.
    /// </summary>
    public double ClosedIncidentDays { get; init; } = 30;

    /// <summary>How long reads stay in the read log (<c>{svc}:reads</c>).</summary>
    public double ReadLogDays { get; init; } = 90;

    /// <summary>At most this many entries go into one segment part.</summary>
    public int PartEntries { get; init; } = 20_000;

    /// <summary>
    /// How long entries read by the archiver wait for more before their part is written (and they are acknowledged).
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the retention runs: trims the streams, moves old incidents out, compacts past days.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many past days the compaction looks at for parts to merge into their day's segment.</summary>
    public int CompactDays { get; init; } = 7;

    public TimeSpan AlertRecord => TimeSpan.FromDays(AlertRecordDays);
    public TimeSpan ClosedIncidents => TimeSpan.FromDays(ClosedIncidentDays);
    public TimeSpan ReadLog => TimeSpan.FromDays(ReadLogDays);

    /// <summary>
    /// Entries pending longer than this at an archiver are taken over by another (it has died): well past a flush.
    /// </summary>
    public TimeSpan ClaimAfter => FlushInterval * 2 + TimeSpan.FromSeconds(30);

    /// <summary>The first invalid setting, named, or null.</summary>
    public string? Problem() =>
        AlertRecordDays <= 0 ? "Archive:AlertRecordDays: must be more than 0"
        : ClosedIncidentDays <= 0 ? "Archive:ClosedIncidentDays: must be more than 0"
        : ReadLogDays <= 0 ? "Archive:ReadLogDays: must be more than 0"
        : PartEntries < 1 ? "Archive:PartEntries: must be at least 1"
        : FlushInterval <= TimeSpan.Zero ? "Archive:FlushInterval: must be more than 0"
        : RetentionInterval <= TimeSpan.Zero ? "Archive:RetentionInterval: must be more than 0"
        : CompactDays < 0 ? "Archive:CompactDays: must be 0 or more"
        : null;
}
