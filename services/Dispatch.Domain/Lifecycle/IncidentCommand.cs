using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// A request to change an incident. <see cref="CommandId"/> is chosen by the client: sending the same command
/// again returns the first result and changes nothing. <see cref="Actor"/> is who asks.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(ReportIncident), "report")]
[JsonDerivedType(typeof(FileIncident), "file")]
[JsonDerivedType(typeof(DismissIncident), "dismiss")]
[JsonDerivedType(typeof(DispatchIncident), "dispatch")]
[JsonDerivedType(typeof(AcceptAssignment), "accept")]
[JsonDerivedType(typeof(ReturnAssignment), "return")]
[JsonDerivedType(typeof(ArriveOnSite), "arrive")]
[JsonDerivedType(typeof(SubmitResult), "submitResult")]
[JsonDerivedType(typeof(ApproveReview), "approveReview")]
[JsonDerivedType(typeof(RequestRework), "requestRework")]
[JsonDerivedType(typeof(ReopenIncident), "reopen")]
[JsonDerivedType(typeof(MergeIncident), "merge")]
[JsonDerivedType(typeof(AbsorbIncident), "absorb")]
[JsonDerivedType(typeof(ApproveExtension), "approveExtension")]
[JsonDerivedType(typeof(DeferIncident), "defer")]
[JsonDerivedType(typeof(ResumeIncident), "resume")]
[JsonDerivedType(typeof(CheckDeadlines), "checkDeadlines")]
[JsonDerivedType(typeof(AddNote), "addNote")]
[JsonDerivedType(typeof(ResolveIncident), "resolve")]
[JsonDerivedType(typeof(ReclassifyIncident), "reclassify")]
[JsonDerivedType(typeof(RecallAssignment), "recall")]
[JsonDerivedType(typeof(RedirectAssignment), "redirect")]
[JsonDerivedType(typeof(UrgeIncident), "urge")]
public abstract record IncidentCommand(string CommandId, Actor Actor)
{
    /// <summary>The command's name as people read it in an error.</summary>
    public string Name => GetType().Name;
}

/// <summary>A new incident from an alert or a person (hotline, grid patrol, citizen app).</summary>
public sealed record ReportIncident(
    string CommandId,
    Actor Actor,
    string Type,
    Channel Channel,
    string Street,
    string Description,
    GeoPoint? Location = null,
    Reporter? Reporter = null,
    DateTimeOffset? ObservedAt = null,
    double? Confidence = null,
    string? SourceRef = null
) : IncidentCommand(CommandId, Actor);

public sealed record FileIncident(string CommandId, Actor Actor) : IncidentCommand(CommandId, Actor);

public sealed record DismissIncident(string CommandId, Actor Actor, DismissalGround Ground, string Reason)
    : IncidentCommand(CommandId, Actor);

/// <summary>
/// Dispatch (or re-dispatch after a return or recall). Without a lead unit, the catalog's routing decides.
/// <see cref="Worker"/> is the lead unit's worker the task goes to; <see cref="Workers"/> names a worker per unit, lead
/// or co-unit (unit → user id). A unit without a named worker gets the person machine dispatch chose for it (see
/// <see cref="DutyBoard"/>). The unit can still name another worker on accepting.
/// </summary>
public sealed record DispatchIncident(
    string CommandId,
    Actor Actor,
    string? LeadUnit = null,
    IReadOnlyList<string>? CoUnits = null,
    string? Worker = null,
    IReadOnlyDictionary<string, string>? Workers = null
) : IncidentCommand(CommandId, Actor);

public sealed record AcceptAssignment(string CommandId, Actor Actor, string Unit, string? Worker = null)
    : IncidentCommand(CommandId, Actor);

public sealed record ReturnAssignment(string CommandId, Actor Actor, string Unit, string Reason)
    : IncidentCommand(CommandId, Actor);

public sealed record ArriveOnSite(string CommandId, Actor Actor, string Unit, GeoPoint? Location = null)
    : IncidentCommand(CommandId, Actor);

public sealed record SubmitResult(
    string CommandId,
    Actor Actor,
    string Unit,
    string? Note,
    IReadOnlyList<string>? Photos = null,
    GeoPoint? Location = null
) : IncidentCommand(CommandId, Actor);

/// <summary>The reviewer approves the result; the incident closes with its evaluation.</summary>
public sealed record ApproveReview(string CommandId, Actor Actor, Evaluation Evaluation)
    : IncidentCommand(CommandId, Actor);

/// <summary>The reviewer sends the result back (返工).</summary>
public sealed record RequestRework(string CommandId, Actor Actor, string Reason) : IncidentCommand(CommandId, Actor);

public sealed record ReopenIncident(string CommandId, Actor Actor, string Reason) : IncidentCommand(CommandId, Actor);

/// <summary>Merge this incident into <see cref="Into"/>, which must be open.</summary>
public sealed record MergeIncident(string CommandId, Actor Actor, string Into, string Reason)
    : IncidentCommand(CommandId, Actor);

/// <summary>The other side of a merge: this incident takes in <see cref="From"/>.</summary>
public sealed record AbsorbIncident(string CommandId, Actor Actor, string From) : IncidentCommand(CommandId, Actor);

/// <summary>延期: moves the deadline of a stage (by default the handling stage, else the running one).</summary>
public sealed record ApproveExtension(
    string CommandId,
    Actor Actor,
    Allowance Extra,
    string Reason,
    Stage? Stage = null
) : IncidentCommand(CommandId, Actor);

/// <summary>挂账: the clocks pause until the incident is resumed.</summary>
public sealed record DeferIncident(string CommandId, Actor Actor, string Reason) : IncidentCommand(CommandId, Actor);

public sealed record ResumeIncident(string CommandId, Actor Actor, string Reason) : IncidentCommand(CommandId, Actor);

/// <summary>Raised by the deadline reminders: escalate every stage that has passed a threshold.</summary>
public sealed record CheckDeadlines(string CommandId, Actor Actor) : IncidentCommand(CommandId, Actor);

public sealed record AddNote(string CommandId, Actor Actor, string Text) : IncidentCommand(CommandId, Actor);

/// <summary>
/// The cause cleared by itself (a device beats again): a self-resolving incident closes without review.
/// </summary>
public sealed record ResolveIncident(string CommandId, Actor Actor, string Reason) : IncidentCommand(CommandId, Actor);

/// <summary>
/// 改类: the incident becomes of <see cref="Type"/> (of its own scenario), with <see cref="Priority"/> when given, else
/// the type's own. By a dispatcher, or by an alert of a higher priority that joined the incident.
/// <see cref="Confidence"/> is the confidence of the AI detection behind an alert's reclassification, for the new
/// type's filing rule.
/// </summary>
public sealed record ReclassifyIncident(
    string CommandId,
    Actor Actor,
    string Type,
    Priority? Priority,
    string Reason,
    double? Confidence = null
) : IncidentCommand(CommandId, Actor);

/// <summary>
/// 撤回: a dispatcher withdraws the assignment of <see cref="Unit"/> while it is dispatched or accepted. Withdrawing
/// the lead unit's withdraws the whole dispatch (the incident waits for dispatch again); a co-unit's, only that part.
/// Not a return (退单): the unit did not refuse it.
/// </summary>
public sealed record RecallAssignment(string CommandId, Actor Actor, string Unit, string Reason)
    : IncidentCommand(CommandId, Actor);

/// <summary>
/// 改派: a dispatcher moves the assignment of <see cref="Unit"/> (dispatched or accepted) to <see cref="ToUnit"/>, or
/// to another <see cref="Worker"/> of the same unit, in one step: a recall and a new dispatch of that part, which the
/// new holder has to accept.
/// </summary>
public sealed record RedirectAssignment(
    string CommandId,
    Actor Actor,
    string Unit,
    string ToUnit,
    string? Worker,
    string Reason
) : IncidentCommand(CommandId, Actor);

/// <summary>
/// 催办: a dispatcher presses the units working on the incident (<see cref="Unit"/>'s only, when given). Recorded on
/// the timeline and told to the people concerned; it changes no state.
/// </summary>
public sealed record UrgeIncident(string CommandId, Actor Actor, string? Unit, string Text)
    : IncidentCommand(CommandId, Actor);
