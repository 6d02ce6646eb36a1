using System.Collections.Frozen;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// A signed-in person as the services see them: who, in which role, for which unit, and (for a street office)
/// which streets are their area (属地).
/// </summary>
public sealed record Principal(string UserId, Role Role, string? Unit = null, IReadOnlyList<string>? Streets = null)
{
    public IReadOnlyList<string> Area => Streets ?? [];

    /// <summary>The actor that this person's commands are recorded under.</summary>
    public Actor Actor => new(UserId, Role, Unit);
}

/// <summary>What a person may do, at function level; <see cref="Access.CanSee"/> decides the object level.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Permission>))]
public enum Permission
{
    /// <summary>List and read incidents (within the object scope of the role).</summary>
    ReadIncidents,

    /// <summary>Report an incident taken by hotline or patrol.</summary>
    Report,

    /// <summary>立案, 不予立案, merge, reopen.</summary>
    Triage,

    /// <summary>派遣 and re-dispatch.</summary>
    Dispatch,

    /// <summary>延期 and 挂账 (approve an extension, defer, resume).</summary>
    ApproveDeadlines,

    /// <summary>Approve a result (结案) or send it back (返工).</summary>
    Review,

    /// <summary>签收, 退单, arrive, submit a result: work on an assignment.</summary>
    Handle,

    /// <summary>Add a remark to an incident's timeline.</summary>
    Note,

    /// <summary>The evaluation figures, rankings and exports (一网评效).</summary>
    ReadFigures,

    /// <summary>The access log of incident reads, for spot checks.</summary>
    ReadAccessLog,

    /// <summary>催办: urge the units working on an incident.</summary>
    Urge,

    /// <summary>Change a unit's duty roster: staff, shifts, duty officer (one's own; administrators any).</summary>
    ManageRoster,
}

/// <summary>
/// Who may do what, in one place: the grants of each role (function level) and whose incidents a person sees
/// (object level). "Not yours" is answered exactly like "does not exist" by the services that use it.
/// </summary>
public static class Access
{
    private static readonly FrozenDictionary<Role, FrozenSet<Permission>> Grants = new Dictionary<
        Role,
        FrozenSet<Permission>
    >
    {
        [Role.Dispatcher] = Set(
            Permission.ReadIncidents,
            Permission.Report,
            Permission.Triage,
            Permission.Dispatch,
            Permission.ApproveDeadlines,
            Permission.Note,
            Permission.ReadFigures,
            Permission.Urge
        ),
        [Role.Reviewer] = Set(Permission.ReadIncidents, Permission.Review, Permission.Note, Permission.ReadFigures),
        [Role.UnitStaff] = Set(Permission.ReadIncidents, Permission.Handle, Permission.Note, Permission.ManageRoster),
        [Role.Worker] = Set(Permission.ReadIncidents, Permission.Handle, Permission.Note),
        [Role.Auditor] = Set(Permission.ReadIncidents, Permission.ReadFigures, Permission.ReadAccessLog),
        [Role.Administrator] = Set(
            Permission.ReadIncidents,
            Permission.ReadFigures,
            Permission.ReadAccessLog,
            Permission.ManageRoster
        ),
    }.ToFrozenDictionary();

    /// <summary>The roles that handle cases and so see the personal data in them; all others see it masked.</summary>
    private static readonly FrozenSet<Role> HandlesPersonalData = FrozenSet.ToFrozenSet([
        Role.Dispatcher,
        Role.Reviewer,
        Role.UnitStaff,
        Role.Worker,
    ]);

    private static FrozenSet<Permission> Set(params Permission[] permissions) => permissions.ToFrozenSet();

    /// <summary>Function level: whether the role may do this at all.</summary>
    public static bool May(Principal who, Permission permission) =>
        Grants.TryGetValue(who.Role, out var granted) && granted.Contains(permission);

    /// <summary>The district-wide roles see every incident; the others their own (see <see cref="CanSee"/>).</summary>
    public static bool SeesWholeDistrict(Principal who) =>
        who.Role is Role.Dispatcher or Role.Reviewer or Role.Auditor or Role.Administrator;

    /// <summary>
    /// Object level: a worker sees the incidents assigned to them; unit staff those their unit holds an
    /// assignment on, and, for a street office, those in its area (属地管理); the district roles see all.
    /// </summary>
    public static bool CanSee(Principal who, Incident incident) =>
        SeesWholeDistrict(who)
        || who.Role switch
        {
            Role.Worker => incident.Assignments.Any(a => a.Worker == who.UserId),
            Role.UnitStaff => (who.Unit is { } unit && incident.AssignmentOf(unit) is not null)
                || who.Area.Contains(incident.Street),
            _ => false,
        };

    /// <summary>
    /// Whether this person may act on the assignment of <paramref name="unit"/>: unit staff for their own unit, a
    /// worker only when the assignment is given to them.
    /// </summary>
    public static bool MayHandle(Principal who, Incident incident, string unit) =>
        May(who, Permission.Handle)
        && who.Unit == unit
        && incident.AssignmentOf(unit) is { } assignment
        && who.Role switch
        {
            Role.UnitStaff => true,
            Role.Worker => assignment.Worker == who.UserId,
            _ => false,
        };

    /// <summary>Whether this person may change the unit's roster: unit staff their own, administrators any.</summary>
    public static bool MayManageRoster(Principal who, string unit) =>
        May(who, Permission.ManageRoster) && (who.Role == Role.Administrator || who.Unit == unit);

    /// <summary>Whether personal data (names, phones, ID numbers, exact addresses) is shown to them unmasked.</summary>
    public static bool SeesPersonalData(Principal who) => HandlesPersonalData.Contains(who.Role);
}
