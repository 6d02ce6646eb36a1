using System.Collections.Immutable;
using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// What the store keeps of one incident: the incident, its whole timeline, and the result of every command it
/// accepted, by command id (so that a command sent again gets its first result).
/// </summary>
public sealed record IncidentRecord
{
    public Incident? Incident { get; init; }
    public ImmutableList<IncidentEvent> Timeline { get; init; } = [];
    public ImmutableDictionary<string, CommandResult> Results { get; init; } =
        ImmutableDictionary<string, CommandResult>.Empty;

    /// <summary>
    /// The version the store holds it at: the sequence number of its last event (0 before it exists).
    /// </summary>
    public long Version => Incident?.Version ?? 0;
}
