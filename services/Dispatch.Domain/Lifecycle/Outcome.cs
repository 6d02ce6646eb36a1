using System.Text.Json.Serialization;

namespace Dispatch.Domain;

[JsonConverter(typeof(JsonStringEnumConverter<RefusalKind>))]
public enum RefusalKind
{
    /// <summary>A field of the command is missing or wrong; <see cref="Refusal.Field"/> names it.</summary>
    InvalidArgument,

    /// <summary>The command is not allowed in the incident's current state; the message names both.</summary>
    IllegalTransition,

    /// <summary>The incident does not exist.</summary>
    NotFound,
}

/// <summary>
/// Why a command was refused. A refused command changes nothing. <see cref="Field"/> is the wire name of the field at
/// fault (for example <c>reason</c>, <c>coUnits</c>, <c>evaluation.rating</c>, <c>actor.userId</c>): it is set on
/// every <see cref="RefusalKind.InvalidArgument"/> refusal, so callers never read it back out of the message, which
/// is for people.
/// </summary>
public sealed record Refusal(RefusalKind Kind, string Message, string? Field = null)
{
    /// <summary>A field is missing or wrong: the message reads "field: problem".</summary>
    public static Refusal Invalid(string field, string problem) =>
        new(RefusalKind.InvalidArgument, $"{field}: {problem}", field);

    public static Refusal Illegal(string message) => new(RefusalKind.IllegalTransition, message);
}

/// <summary>
/// A problem with one field of a request that is not an incident command (a device registration, a roster entry):
/// the field's wire name and what is wrong with it.
/// </summary>
public sealed record FieldProblem(string Field, string Problem)
{
    /// <summary>For people: "field: problem".</summary>
    public string Message => $"{Field}: {Problem}";

    public override string ToString() => Message;
}

/// <summary>What a command did: the incident after it and the events it appended, or the refusal.</summary>
public sealed record Outcome(Incident? Incident, IReadOnlyList<IncidentEvent> Events, Refusal? Refusal)
{
    public bool IsAccepted => Refusal is null;

    public static Outcome Refused(Refusal refusal) => new(null, [], refusal);

    public static Outcome Refused(RefusalKind kind, string message, string? field = null) =>
        Refused(new Refusal(kind, message, field));
}
