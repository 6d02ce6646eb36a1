using System.Collections.Immutable;
using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// What an <see cref="IncidentGrain"/> keeps in storage: the incident, its whole timeline (the outbox that the
/// event stream is filled from), and the result of every command it accepted, by command id.
/// </summary>
public sealed record IncidentRecord
{
    public Incident? Incident { get; init; }
    public ImmutableList<IncidentEvent> Timeline { get; init; } = [];
    public ImmutableDictionary<string, CommandResult> Results { get; init; } = ImmutableDictionary<string, CommandResult>.Empty;
}
