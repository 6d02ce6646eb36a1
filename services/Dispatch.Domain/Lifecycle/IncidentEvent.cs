using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// One entry of an incident's timeline: who did what, when, and why. Events are numbered from 1 without gaps
/// (<see cref="Seq"/>); the timeline is the incident's history and the source of every read model and figure.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(IncidentReported), "reported")]
[JsonDerivedType(typeof(IncidentFiled), "filed")]
[JsonDerivedType(typeof(IncidentDismissed), "dismissed")]
[JsonDerivedType(typeof(IncidentDispatched), "dispatched")]
[JsonDerivedType(typeof(AssignmentAccepted), "accepted")]
[JsonDerivedType(typeof(AssignmentReturned), "returned")]
[JsonDerivedType(typeof(ArrivedOnSite), "arrived")]
[JsonDerivedType(typeof(ResultSubmitted), "resultSubmitted")]
[JsonDerivedType(typeof(ReviewStarted), "reviewStarted")]
[JsonDerivedType(typeof(ReworkRequested), "reworkRequested")]
[JsonDerivedType(typeof(IncidentClosed), "closed")]
[JsonDerivedType(typeof(IncidentReopened), "reopened")]
[JsonDerivedType(typeof(IncidentMerged), "merged")]
[JsonDerivedType(typeof(IncidentAbsorbed), "absorbed")]
[JsonDerivedType(typeof(DeadlineExtended), "deadlineExtended")]
[JsonDerivedType(typeof(IncidentDeferred), "deferred")]
[JsonDerivedType(typeof(IncidentResumed), "resumed")]
[JsonDerivedType(typeof(DeadlineEscalated), "escalated")]
[JsonDerivedType(typeof(NoteAdded), "noteAdded")]
[JsonDerivedType(typeof(IncidentResolved), "resolved")]
[JsonDerivedType(typeof(IncidentReclassified), "reclassified")]
[JsonDerivedType(typeof(AssignmentRecalled), "recalled")]
[JsonDerivedType(typeof(AssignmentRedirected), "redirected")]
[JsonDerivedType(typeof(IncidentUrged), "urged")]
public abstract record IncidentEvent
{
    public long Seq { get; init; }
    public DateTimeOffset At { get; init; }
    public string CommandId { get; init; } = "";
    public Actor Actor { get; init; } = Actor.System;
    public string? Reason { get; init; }
}

/// <summary>
/// 上报: the incident came in, with the rules of its type at that moment (so later catalog changes do not rewrite it).
/// </summary>
public sealed record IncidentReported(
    string Number,
    string Scenario,
    string Type,
    Priority Priority,
    Channel Channel,
    string Street,
    GeoPoint? Location,
    string Description,
    Reporter? Reporter,
    DateTimeOffset ObservedAt,
    double? Confidence,
    string? SourceRef,
    IReadOnlyDictionary<Stage, TimeAllotment> Allotments,
    ClosingConditions Closing
) : IncidentEvent;

/// <summary>立案, by a dispatcher or automatically by the type's filing rule.</summary>
public sealed record IncidentFiled(bool Automatic) : IncidentEvent;

/// <summary>不予立案.</summary>
public sealed record IncidentDismissed(DismissalGround Ground) : IncidentEvent;

/// <summary>
/// 派遣 to a lead unit and co-units, by a dispatcher or by the machine (机器派单): <see cref="Worker"/> is the lead
/// unit's person, <see cref="CoUnitWorkers"/> each co-unit's (unit → user id). Timelines written before every
/// assignment named a person may lack them.
/// </summary>
public sealed record IncidentDispatched(
    string LeadUnit,
    IReadOnlyList<string> CoUnits,
    bool Automatic,
    string? Worker = null,
    IReadOnlyDictionary<string, string>? CoUnitWorkers = null
) : IncidentEvent;

/// <summary>签收 by a unit, optionally naming the worker who takes it.</summary>
public sealed record AssignmentAccepted(string Unit, string? Worker) : IncidentEvent;

/// <summary>退单: a unit says the incident is not theirs.</summary>
public sealed record AssignmentReturned(string Unit) : IncidentEvent;

/// <summary>Arrived on site, or started work (处置中).</summary>
public sealed record ArrivedOnSite(string Unit, GeoPoint? Location) : IncidentEvent;

/// <summary>处置反馈: a unit's result, with note, photo evidence and position.</summary>
public sealed record ResultSubmitted(string Unit, string? Note, IReadOnlyList<string> Photos, GeoPoint? Location)
    : IncidentEvent;

/// <summary>Every assignment is handled; the result goes to review (核查) automatically.</summary>
public sealed record ReviewStarted : IncidentEvent;

/// <summary>返工: the reviewer sends the result back.</summary>
public sealed record ReworkRequested : IncidentEvent;

/// <summary>结案, with the evaluation (问效).</summary>
public sealed record IncidentClosed(Evaluation Evaluation) : IncidentEvent;

/// <summary>Reopened within the window after closing or dismissal; it goes back to filed for dispatch.</summary>
public sealed record IncidentReopened : IncidentEvent;

/// <summary>合并 into another incident.</summary>
public sealed record IncidentMerged(string Into) : IncidentEvent;

/// <summary>Another incident was merged into this one.</summary>
public sealed record IncidentAbsorbed(string From) : IncidentEvent;

/// <summary>
/// 延期 approved: a stage's deadline moves by <see cref="Extra"/>, which is <see cref="Added"/> in the stage's measure;
/// <see cref="Reached"/> is the threshold the moved deadline has already passed.
/// </summary>
public sealed record DeadlineExtended(Stage Stage, Allowance Extra, TimeSpan Added, EscalationLevel Reached)
    : IncidentEvent;

/// <summary>
/// 挂账: the incident cannot be fixed now; its clocks pause, each having used <see cref="Elapsed"/> of its allotment.
/// </summary>
public sealed record IncidentDeferred(IReadOnlyDictionary<Stage, TimeSpan> Elapsed) : IncidentEvent;

/// <summary>The deferred incident is taken up again; its clocks run on.</summary>
public sealed record IncidentResumed : IncidentEvent;

/// <summary>督办: a stage passed a threshold of its deadline.</summary>
public sealed record DeadlineEscalated(Stage Stage, EscalationLevel Level) : IncidentEvent;

/// <summary>A remark on the timeline; changes no state.</summary>
public sealed record NoteAdded(string Text) : IncidentEvent;

/// <summary>Closed because its cause cleared by itself (only for self-resolving types).</summary>
public sealed record IncidentResolved : IncidentEvent;

/// <summary>
/// 改类: the incident became of another type or priority. It carries the allotments and closing conditions it has
/// from now on (settled when it was decided, like <see cref="IncidentReported"/>'s); the running clocks restarted
/// under them.
/// </summary>
public sealed record IncidentReclassified(
    string FromType,
    Priority FromPriority,
    string ToType,
    Priority ToPriority,
    IReadOnlyDictionary<Stage, TimeAllotment> Allotments,
    ClosingConditions Closing
) : IncidentEvent;

/// <summary>
/// 撤回: the assignment of <see cref="Unit"/>, held by <see cref="Worker"/> when one was named, was withdrawn. The
/// lead unit's withdraws the whole dispatch.
/// </summary>
public sealed record AssignmentRecalled(string Unit, string? Worker) : IncidentEvent;

/// <summary>
/// 改派: the assignment of <see cref="Unit"/> (held by <see cref="FromWorker"/>) moved to <see cref="ToUnit"/> and
/// <see cref="Worker"/>, dispatched afresh.
/// </summary>
public sealed record AssignmentRedirected(string Unit, string? FromWorker, string ToUnit, string? Worker)
    : IncidentEvent;

/// <summary>催办: the units working on it (or <see cref="Unit"/>) were pressed; changes no state.</summary>
public sealed record IncidentUrged(string? Unit, string Text) : IncidentEvent;
