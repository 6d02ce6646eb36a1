using System.Text.Json.Serialization;

namespace Dispatch.Domain;

[JsonConverter(typeof(JsonStringEnumConverter<RefusalKind>))]
public enum RefusalKind
{
    /// <summary>A field of the command is missing or wrong; the message names it.</summary>
    InvalidArgument,
    /// <summary>The command is not allowed in the incident's current state; the message names both.</summary>
    IllegalTransition,
    /// <summary>The incident does not exist.</summary>
    NotFound,
}

/// <summary>Why a command was refused. A refused command changes nothing.</summary>
public sealed record Refusal(RefusalKind Kind, string Message);

/// <summary>What a command did: the incident after it and the events it appended, or the refusal.</summary>
public sealed record Outcome(Incident? Incident, IReadOnlyList<IncidentEvent> Events, Refusal? Refusal)
{
    public bool IsAccepted => Refusal is null;

    public static Outcome Refused(RefusalKind kind, string message) => new(null, [], new Refusal(kind, message));
}
