using System.Collections.Frozen;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>What a person can do to an incident, as stable codes (the JSON names) pages render buttons from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentAction>))]
public enum IncidentAction
{
    [JsonStringEnumMemberName("file")]
    File,

    [JsonStringEnumMemberName("dismiss")]
    Dismiss,

    [JsonStringEnumMemberName("merge")]
    Merge,

    [JsonStringEnumMemberName("dispatch")]
    Dispatch,

    [JsonStringEnumMemberName("reclassify")]
    Reclassify,

    [JsonStringEnumMemberName("recall")]
    Recall,

    [JsonStringEnumMemberName("redirect")]
    Redirect,

    [JsonStringEnumMemberName("urge")]
    Urge,

    [JsonStringEnumMemberName("extend")]
    Extend,

    [JsonStringEnumMemberName("defer")]
    Defer,

    [JsonStringEnumMemberName("resume")]
    Resume,

    [JsonStringEnumMemberName("approve")]
    Approve,

    [JsonStringEnumMemberName("rework")]
    Rework,

    [JsonStringEnumMemberName("reopen")]
    Reopen,

    [JsonStringEnumMemberName("note")]
    Note,

    [JsonStringEnumMemberName("accept")]
    Accept,

    [JsonStringEnumMemberName("return")]
    Return,

    [JsonStringEnumMemberName("arrive")]
    Arrive,

    [JsonStringEnumMemberName("submit")]
    Submit,
}

/// <summary>
/// An action a person may take on an incident now; <see cref="Unit"/> names the assignment it applies to, for the
/// actions on one assignment (accept, return, arrive, submit, recall, redirect).
/// </summary>
public sealed record AllowedAction(IncidentAction Action, string? Unit = null)
{
    /// <summary>The action's stable code, e.g. <c>reclassify</c>.</summary>
    public string Code => IncidentActions.Code(Action);
}

/// <summary>
/// The actions a person may take on an incident now (issue: the server says what is allowed): the lifecycle's
/// transition table (<see cref="Lifecycle.AllowedIn"/>, and what a deferred incident still allows) ∩ the role's
/// grants (<see cref="Access.May"/>) ∩ the object rules: the incident is visible to them; accept, return, arrive
/// and submit only on their own assignment (their unit's for unit staff, one that names them for a worker) in the
/// state the step needs; recall and redirect only on an assignment dispatched or accepted; resume only a deferred
/// incident and defer only one that is not; extend only while a deadline runs; reopen only within the window.
/// </summary>
public static class IncidentActions
{
    /// <summary>Each action's command and the permission it needs: the command → permission map in one place.</summary>
    private static readonly FrozenDictionary<IncidentAction, (Type Command, Permission Permission)> Table =
        new Dictionary<IncidentAction, (Type, Permission)>
        {
            [IncidentAction.File] = (typeof(FileIncident), Permission.Triage),
            [IncidentAction.Dismiss] = (typeof(DismissIncident), Permission.Triage),
            [IncidentAction.Merge] = (typeof(MergeIncident), Permission.Triage),
            [IncidentAction.Reopen] = (typeof(ReopenIncident), Permission.Triage),
            [IncidentAction.Reclassify] = (typeof(ReclassifyIncident), Permission.Triage),
            [IncidentAction.Dispatch] = (typeof(DispatchIncident), Permission.Dispatch),
            [IncidentAction.Recall] = (typeof(RecallAssignment), Permission.Dispatch),
            [IncidentAction.Redirect] = (typeof(RedirectAssignment), Permission.Dispatch),
            [IncidentAction.Urge] = (typeof(UrgeIncident), Permission.Urge),
            [IncidentAction.Extend] = (typeof(ApproveExtension), Permission.ApproveDeadlines),
            [IncidentAction.Defer] = (typeof(DeferIncident), Permission.ApproveDeadlines),
            [IncidentAction.Resume] = (typeof(ResumeIncident), Permission.ApproveDeadlines),
            [IncidentAction.Approve] = (typeof(ApproveReview), Permission.Review),
            [IncidentAction.Rework] = (typeof(RequestRework), Permission.Review),
            [IncidentAction.Note] = (typeof(AddNote), Permission.Note),
            [IncidentAction.Accept] = (typeof(AcceptAssignment), Permission.Handle),
            [IncidentAction.Return] = (typeof(ReturnAssignment), Permission.Handle),
            [IncidentAction.Arrive] = (typeof(ArriveOnSite), Permission.Handle),
            [IncidentAction.Submit] = (typeof(SubmitResult), Permission.Handle),
        }.ToFrozenDictionary();

    private static readonly FrozenDictionary<Type, IncidentAction> ByCommand = Table.ToFrozenDictionary(
        x => x.Value.Command,
        x => x.Key
    );

    /// <summary>The state an assignment must be in for each action on one assignment.</summary>
    private static readonly FrozenDictionary<IncidentAction, AssignmentState[]> OnAssignment = new Dictionary<
        IncidentAction,
        AssignmentState[]
    >
    {
        [IncidentAction.Accept] = [AssignmentState.Dispatched],
        [IncidentAction.Return] = [AssignmentState.Dispatched],
        [IncidentAction.Arrive] = [AssignmentState.Accepted],
        [IncidentAction.Submit] = [AssignmentState.InProgress],
        [IncidentAction.Recall] = [AssignmentState.Dispatched, AssignmentState.Accepted],
        [IncidentAction.Redirect] = [AssignmentState.Dispatched, AssignmentState.Accepted],
    }.ToFrozenDictionary();

    /// <summary>The stable code of an action: its JSON name.</summary>
    public static string Code(IncidentAction action) =>
        char.ToLowerInvariant(action.ToString()[0]) + action.ToString()[1..];

    /// <summary>The command an action sends.</summary>
    public static Type CommandOf(IncidentAction action) => Table[action].Command;

    /// <summary>
    /// The action a command is, or null for the commands people do not choose (report, absorb, deadline checks,
    /// resolve).
    /// </summary>
    public static IncidentAction? ActionOf(Type command) => ByCommand.TryGetValue(command, out var a) ? a : null;

    /// <summary>
    /// The permission a command needs: its action's, <see cref="Permission.Report"/> for a report, and null for the
    /// commands only the system sends (absorb, deadline checks, resolve).
    /// </summary>
    public static Permission? PermissionFor(Type command) =>
        command == typeof(ReportIncident) ? Permission.Report
        : ActionOf(command) is { } action ? Table[action].Permission
        : null;

    /// <summary>The actions <paramref name="who"/> may take on <paramref name="incident"/> now.</summary>
    public static IReadOnlyList<AllowedAction> For(
        Principal who,
        Incident incident,
        Lifecycle lifecycle,
        DateTimeOffset now
    )
    {
        if (!Access.CanSee(who, incident))
            return [];
        var allowed = new List<AllowedAction>();
        foreach (var (action, (command, permission)) in Table.OrderBy(x => x.Key))
        {
            if (!Access.May(who, permission) || !Lifecycle.Allows(command, incident))
                continue;
            if (OnAssignment.TryGetValue(action, out var states))
            {
                var handles = permission == Permission.Handle;
                allowed.AddRange(
                    incident
                        .Assignments.Where(a =>
                            states.Contains(a.State) && (!handles || Access.MayHandle(who, incident, a.Unit))
                        )
                        .Select(a => new AllowedAction(action, a.Unit))
                );
            }
            else if (Possible(action, incident, lifecycle, now))
            {
                allowed.Add(new AllowedAction(action));
            }
        }
        return allowed;
    }

    private static bool Possible(IncidentAction action, Incident incident, Lifecycle lifecycle, DateTimeOffset now) =>
        action switch
        {
            IncidentAction.Defer => !incident.Deferred,
            IncidentAction.Resume => incident.Deferred,
            IncidentAction.Extend => incident.Clocks.Count > 0,
            IncidentAction.Reopen => lifecycle.MayReopen(incident, now),
            _ => true,
        };
}
