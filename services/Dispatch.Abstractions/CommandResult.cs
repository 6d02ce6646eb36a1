using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// What a command did to an incident: the events it appended (<see cref="FirstSeq"/> to <see cref="LastSeq"/>,
/// none when it was refused or had nothing to do) and the state after it, or why it was refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dispatch.CommandResult")]
public sealed record CommandResult(
    [property: Id(0)] string IncidentNumber,
    [property: Id(1)] string CommandId,
    [property: Id(2)] long FirstSeq,
    [property: Id(3)] long LastSeq,
    [property: Id(4)] IncidentState? State,
    [property: Id(5)] Refusal? Refusal
)
{
    public bool IsAccepted => Refusal is null;

    public static CommandResult Refused(string number, string commandId, Refusal refusal) =>
        new(number, commandId, 0, 0, null, refusal);
}
