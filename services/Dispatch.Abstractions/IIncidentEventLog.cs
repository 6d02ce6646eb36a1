using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// The stream that read-side consumers (projections, live feeds) follow: every incident's events, each
/// incident's in order and without gaps. Appending is idempotent by incident number and sequence number, so an
/// incident grain can simply append again whatever it is not sure was appended.
/// </summary>
public interface IIncidentEventLog
{
    /// <summary>The last sequence number of <paramref name="incident"/> already in the stream (0 for none).</summary>
    Task<long> PublishedUpToAsync(string incident);

    /// <summary>Appends the events not yet in the stream; returns the last sequence number now in it.</summary>
    Task<long> AppendAsync(string incident, IReadOnlyList<IncidentEvent> events);
}
