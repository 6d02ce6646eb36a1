using Dispatch.Domain;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// An incident that has left Redis, as the archive serves it (read-only): its state folded from its timeline, and its
/// alerts.
/// </summary>
public sealed record ArchivedIncident(
    Incident Incident,
    IReadOnlyList<IncidentEvent> Timeline,
    IReadOnlyList<RecordedAlert> Alerts
);

/// <summary>
/// What the archive answers: incidents that have left Redis, and the evaluation facts of those reported in a period.
/// </summary>
public interface IArchive
{
    /// <summary>
    /// The archived incident of that number, or null when the archive has none (then it does not exist).
    /// </summary>
    Task<ArchivedIncident?> IncidentAsync(string number, CancellationToken cancellationToken = default);

    /// <summary>
    /// The facts of the archived incidents reported in [<paramref name="from"/>, <paramref name="to"/>), one per
    /// incident.
    /// </summary>
    Task<IReadOnlyList<IncidentFacts>> FactsReportedAsync(
        DateTimeOffset from,
        DateTimeOffset to,
        CancellationToken cancellationToken = default
    );
}

/// <summary>
/// An incident as it leaves Redis, whole: its timeline (every event, from which the archive folds its state with
/// <see cref="Lifecycle.Replay"/>), the alerts behind it, and its evaluation facts. Stored as gzip JSON at
/// <see cref="ArchiveLayout.Incident"/>.
/// </summary>
public sealed record IncidentDocument(
    string Number,
    long Version,
    DateTimeOffset ArchivedAt,
    IReadOnlyList<IncidentEvent> Timeline,
    IReadOnlyList<RecordedAlert> Alerts,
    IncidentFacts Facts
);
