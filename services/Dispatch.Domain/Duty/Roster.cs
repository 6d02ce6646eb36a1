using System.Collections.Frozen;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>What a person does in a unit's roster.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StaffRole>))]
public enum StaffRole
{
    /// <summary>Works on assignments in the field; picked by machine dispatch while on shift.</summary>
    Worker,

    /// <summary>值班员: answers for the unit when nobody is on shift, and is told when a deadline is missed.</summary>
    DutyOfficer,

    /// <summary>单位负责人: the head of the unit, next in the escalation chain.</summary>
    UnitHead,
}

/// <summary>
/// A weekly shift in the district's time zone: it starts on each of <see cref="Days"/> at <see cref="Start"/> and ends
/// at <see cref="End"/>, on the next day when <see cref="End"/> is not after <see cref="Start"/> (a night shift from
/// 20:00 to 08:00; a shift from 08:00 to 08:00 lasts a whole day).
/// </summary>
public sealed record Shift(IReadOnlyList<DayOfWeek> Days, TimeOnly Start, TimeOnly End)
{
    public bool CrossesMidnight => End <= Start;

    /// <summary>Whether the shift covers <paramref name="local"/>, a time in the district's time zone.</summary>
    public bool Covers(DateTime local)
    {
        var time = TimeOnly.FromDateTime(local);
        if (!CrossesMidnight)
            return Days.Contains(local.DayOfWeek) && time >= Start && time < End;
        return (Days.Contains(local.DayOfWeek) && time >= Start)
            || (Days.Contains(local.AddDays(-1).DayOfWeek) && time < End);
    }

    public override string ToString() => $"{string.Join(",", Days)} {Start:HH:mm}–{End:HH:mm}";
}

/// <summary>A person on a unit's staff, with the weekly shifts they work.</summary>
public sealed record StaffMember(string UserId, string Name, string Unit, StaffRole Role, IReadOnlyList<Shift> Shifts);

/// <summary>
/// One unit's roster: its staff, its duty officer (值班员, who answers for the unit when no worker is on shift) and
/// its head.
/// </summary>
public sealed record UnitRoster(string Unit, string DutyOfficer, string? Head, IReadOnlyList<StaffMember> Staff)
{
    public StaffMember? Find(string? userId) => Staff.FirstOrDefault(s => s.UserId == userId);
}

/// <summary>What a worker says of themselves, or what the system knows: free, busy, or off duty.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkerStatus>))]
public enum WorkerStatus
{
    /// <summary>在岗空闲: on duty and free.</summary>
    OnDutyFree,

    /// <summary>在岗忙碌: on duty and busy with a task.</summary>
    Busy,

    /// <summary>离岗: off duty (outside their shifts, or signed off).</summary>
    OffDuty,
}

/// <summary>A phone's own position fix: where, how accurate (metres), and when.</summary>
public sealed record WorkerPosition(GeoPoint Point, double AccuracyMetres, DateTimeOffset At)
{
    /// <summary>Whether the fix is no older than <paramref name="staleAfter"/> at <paramref name="now"/>.</summary>
    public bool IsFresh(DateTimeOffset now, TimeSpan staleAfter) => now - At <= staleAfter && Point.IsValid;
}

/// <summary>
/// What is known now of a worker: the status they last reported (null when none), the open tasks assigned to them,
/// and their last position.
/// </summary>
public sealed record WorkerState(
    string UserId,
    WorkerStatus? Status = null,
    int OpenTasks = 0,
    WorkerPosition? Position = null
);

/// <summary>
/// The district's duty roster (值班表): every unit's staff and shifts, its duty officer and head, and the district's
/// duty leaders (区城运中心值班长) at the top of every escalation chain. Shifts are read in the district's time zone.
/// Loaded and checked by <see cref="RosterLoader"/>; a change to one unit's roster is checked by <see cref="With"/>.
/// </summary>
public sealed class DutyRoster
{
    private readonly FrozenDictionary<string, UnitRoster> _units;
    private readonly FrozenDictionary<string, StaffMember> _people;

    public DutyRoster(TimeZoneInfo timeZone, IEnumerable<UnitRoster> units, IReadOnlyList<string> districtDutyLeaders)
    {
        TimeZone = timeZone;
        _units = units.ToFrozenDictionary(u => u.Unit);
        _people = _units.Values.SelectMany(u => u.Staff).DistinctBy(s => s.UserId).ToFrozenDictionary(s => s.UserId);
        DistrictDutyLeaders = districtDutyLeaders;
    }

    public TimeZoneInfo TimeZone { get; }
    public IEnumerable<UnitRoster> Units => _units.Values;
    public IEnumerable<StaffMember> People => _people.Values;

    /// <summary>The district duty leaders, in order: the first on shift leads; with none on shift, the first.</summary>
    public IReadOnlyList<string> DistrictDutyLeaders { get; }

    public UnitRoster? UnitOf(string? unit) => unit is not null && _units.TryGetValue(unit, out var u) ? u : null;

    public StaffMember? Find(string? userId) => userId is not null && _people.TryGetValue(userId, out var p) ? p : null;

    /// <summary>Whether a shift of <paramref name="person"/> covers <paramref name="at"/>.</summary>
    public bool OnShift(StaffMember person, DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZone).DateTime;
        return person.Shifts.Any(s => s.Covers(local));
    }

    /// <summary>
    /// The status of a person at <paramref name="at"/>: off duty outside their shifts, or when they signed off; else
    /// busy when they say so, else free. A status reported outside a shift does not put anyone on duty: a phone left
    /// saying "free" after the shift ends must not draw tasks.
    /// </summary>
    public WorkerStatus StatusOf(StaffMember person, DateTimeOffset at, WorkerState? live) =>
        !OnShift(person, at) || live?.Status == WorkerStatus.OffDuty ? WorkerStatus.OffDuty
        : live?.Status == WorkerStatus.Busy ? WorkerStatus.Busy
        : WorkerStatus.OnDutyFree;

    /// <summary>The workers of <paramref name="unit"/> on duty at <paramref name="at"/>.</summary>
    public IEnumerable<StaffMember> OnDuty(
        string unit,
        DateTimeOffset at,
        IReadOnlyDictionary<string, WorkerState>? live = null
    ) =>
        (UnitOf(unit)?.Staff ?? []).Where(s =>
            s.Role == StaffRole.Worker && StatusOf(s, at, live?.GetValueOrDefault(s.UserId)) != WorkerStatus.OffDuty
        );

    /// <summary>The district duty leader at <paramref name="at"/>: the first leader on shift, else the first.</summary>
    public string DistrictDutyLeaderAt(DateTimeOffset at) =>
        DistrictDutyLeaders.FirstOrDefault(id => Find(id) is { } p && OnShift(p, at)) ?? DistrictDutyLeaders[0];

    /// <summary>
    /// This roster with <paramref name="unit"/>'s roster put in place of the unit's current one (as unit staff change
    /// it), or the problems that stop it, each naming the field of <paramref name="unit"/> at fault.
    /// </summary>
    public RosterChange With(UnitRoster unit, Catalog catalog)
    {
        var problems = RosterRules.Check(unit, catalog, this);
        return problems.Count > 0
            ? new RosterChange(null, problems)
            : new RosterChange(
                new DutyRoster(TimeZone, Units.Where(u => u.Unit != unit.Unit).Append(unit), DistrictDutyLeaders),
                []
            );
    }
}

/// <summary>The roster after a change, or the problems that stop the change (and then nothing changes).</summary>
public sealed record RosterChange(DutyRoster? Roster, IReadOnlyList<FieldProblem> Problems)
{
    public bool IsAccepted => Roster is not null;
}

/// <summary>The rules every unit's roster must keep; field names are relative to the unit's roster.</summary>
public static class RosterRules
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 64;

    /// <summary>
    /// The problems of <paramref name="roster"/>: its unit is a unit of the catalog; every person has an id and a name,
    /// and an id that no other unit uses in <paramref name="others"/>; every worker has a shift; the duty officer and
    /// the head are on the unit's staff, in those roles. Fields: <c>unit</c>, <c>dutyOfficer</c>, <c>head</c>,
    /// <c>staff[i].userId</c>, <c>staff[i].name</c>, <c>staff[i].shifts</c>.
    /// </summary>
    public static IReadOnlyList<FieldProblem> Check(UnitRoster roster, Catalog catalog, DutyRoster? others = null)
    {
        var problems = new List<FieldProblem>();
        void No(string field, string problem) => problems.Add(new FieldProblem(field, problem));

        if (catalog.FindUnit(roster.Unit) is null)
            No("unit", $"unknown unit '{roster.Unit}' (not in the catalog)");
        var seen = new HashSet<string>();
        foreach (var (person, i) in roster.Staff.Select((p, i) => (p, i)))
        {
            var at = $"staff[{i}]";
            if (string.IsNullOrWhiteSpace(person.UserId) || person.UserId.Length > MaxIdLength)
                No($"{at}.userId", $"is required, at most {MaxIdLength} characters");
            else if (!seen.Add(person.UserId))
                No($"{at}.userId", $"'{person.UserId}' is on the staff twice");
            else if (others?.Find(person.UserId) is { } elsewhere && elsewhere.Unit != roster.Unit)
                No($"{at}.userId", $"'{person.UserId}' is on the staff of unit {elsewhere.Unit} already");
            if (string.IsNullOrWhiteSpace(person.Name) || person.Name.Length > MaxNameLength)
                No($"{at}.name", $"is required, at most {MaxNameLength} characters");
            if (person.Unit != roster.Unit)
                No($"{at}.unit", $"is {person.Unit}, not the roster's unit {roster.Unit}");
            if (!Enum.IsDefined(person.Role))
                No($"{at}.role", $"'{person.Role}' is not a staff role");
            if (person.Role == StaffRole.Worker && person.Shifts.Count == 0)
                No($"{at}.shifts", "a worker needs at least one shift, else they are never on duty");
            if (person.Shifts.Any(s => s.Days.Count == 0))
                No($"{at}.shifts", "a shift needs at least one day of the week");
        }
        Named("dutyOfficer", roster.DutyOfficer, StaffRole.DutyOfficer, required: true);
        Named("head", roster.Head, StaffRole.UnitHead, required: false);
        return problems;

        void Named(string field, string? userId, StaffRole role, bool required)
        {
            if (string.IsNullOrWhiteSpace(userId))
            {
                if (required)
                    No(field, $"unit {roster.Unit} has no {Describe(role)}");
                return;
            }
            if (roster.Find(userId) is not { } person)
                No(
                    field,
                    others?.Find(userId) is { } elsewhere
                        ? $"'{userId}' is on the staff of unit {elsewhere.Unit}, not of unit {roster.Unit}"
                        : $"unknown person '{userId}': not on the staff of unit {roster.Unit}"
                );
            else if (person.Role != role)
                No(field, $"'{userId}' is on the staff as {person.Role}, not as {role}");
        }
    }

    private static string Describe(StaffRole role) =>
        role switch
        {
            StaffRole.DutyOfficer => "duty officer",
            StaffRole.UnitHead => "head",
            _ => "worker",
        };
}
