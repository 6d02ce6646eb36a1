using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// Where incidents are kept. One commit stores a command: the incident's record (checked against the version it
/// was decided on), its events appended to the partition's event stream (the read side's contract: every incident's
/// events in order and without gaps), and its entry in the partition's deadline index, atomically. There is no
/// outbox to publish afterwards: what is stored is published.
/// </summary>
public interface IIncidentStore
{
    Partitions Partitions { get; }

    /// <summary>The stored record, or null when the incident does not exist.</summary>
    Task<IncidentRecord?> LoadAsync(string number);

    /// <summary>Whether the incident exists, without loading it (and without activating anything).</summary>
    Task<bool> ExistsAsync(string number);

    /// <summary>
    /// Stores <paramref name="record"/> if the stored version is still <paramref name="expectedVersion"/> (0: the
    /// incident must not exist yet), appends <paramref name="events"/> to the event stream, and sets the incident's
    /// next deadline threshold (null: none) unless <paramref name="deadlineUnchanged"/>. Throws
    /// <see cref="IncidentConflictException"/> when another write came first; nothing is stored then.
    /// </summary>
    Task CommitAsync(
        string number,
        long expectedVersion,
        IncidentRecord record,
        IReadOnlyList<IncidentEvent> events,
        DateTimeOffset? nextDeadline,
        bool deadlineUnchanged,
        string? traceParent
    );

    /// <summary>Moves the incident's entry in the deadline index (a sweep came early, or the clocks moved).</summary>
    Task SetDeadlineAsync(string number, DateTimeOffset? nextDeadline);

    /// <summary>
    /// Incidents of <paramref name="partition"/> whose next threshold is due at <paramref name="now"/>, earliest first.
    /// </summary>
    Task<IReadOnlyList<string>> DueAsync(int partition, DateTimeOffset now, int max);
}

/// <summary>The incident was written by someone else since it was read: read it again and decide again.</summary>
public sealed class IncidentConflictException(string number, long expected, long stored)
    : Exception($"incident {number} is at version {stored} in the store, not {expected}")
{
    public long StoredVersion { get; } = stored;
}
