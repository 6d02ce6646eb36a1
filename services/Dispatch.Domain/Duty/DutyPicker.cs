using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>Why machine dispatch chose a person.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PickBasis>))]
public enum PickBasis
{
    /// <summary>A worker of the unit on duty.</summary>
    OnDutyWorker,

    /// <summary>Nobody of the unit is on duty: its duty officer answers for it.</summary>
    DutyOfficer,
}

/// <summary>The person machine dispatch chose for a unit, and why.</summary>
public sealed record DutyPick(string Unit, string UserId, PickBasis Basis);

/// <summary>
/// The people machine dispatch chose, unit by unit (unit → user id), for one command: <see cref="Lifecycle.Execute"/>
/// gives each assignment it creates without a named worker the person of its unit here. The grains build it with
/// <see cref="DutyPicker"/> for the units <see cref="Lifecycle.UnitsNeedingPeople"/> names, and always pass one.
/// </summary>
public sealed record DutyBoard(IReadOnlyDictionary<string, string> People)
{
    public static readonly DutyBoard Empty = new(new Dictionary<string, string>());

    public static DutyBoard Of(IEnumerable<DutyPick> picks) => new(picks.ToDictionary(p => p.Unit, p => p.UserId));

    /// <summary>The person chosen for <paramref name="unit"/>, or null when the board has none for it.</summary>
    public string? PersonFor(string unit) => People.TryGetValue(unit, out var person) ? person : null;
}

/// <summary>
/// Machine dispatch's choice of a person for a unit (机器派单到人). Never no one: a unit of the roster always has a duty
/// officer.
/// </summary>
/// <remarks>
/// <para>Among the unit's workers on duty (a shift covers the moment and they have not signed off, see
/// <see cref="DutyRoster.StatusOf"/>), in order:</para>
/// <list type="number">
/// <item>free before busy;</item>
/// <item>fewer open tasks first;</item>
/// <item>nearer to the incident first, by the phone's own last fix; a fix older than the stale limit, or none, or an
/// incident without a position, counts as unknown, and unknown comes after every known distance;</item>
/// <item>then by user id, so the choice is the same every time.</item>
/// </list>
/// <para>With nobody on duty, the unit's duty officer (值班员).</para>
/// </remarks>
public static class DutyPicker
{
    /// <summary>A position fix older than this counts as unknown.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(10);

    public static DutyPick Pick(
        DutyRoster roster,
        string unit,
        GeoPoint? near,
        DateTimeOffset now,
        IReadOnlyDictionary<string, WorkerState>? live = null,
        TimeSpan? staleAfter = null
    )
    {
        if (Rank(roster, unit, near, now, live, staleAfter).FirstOrDefault() is { } best)
            return new DutyPick(unit, best.Person.UserId, PickBasis.OnDutyWorker);
        var officer =
            roster.UnitOf(unit)?.DutyOfficer
            ?? throw new ArgumentException($"unit '{unit}' has no roster, so nobody can answer for it", nameof(unit));
        return new DutyPick(unit, officer, PickBasis.DutyOfficer);
    }

    /// <summary>The unit's workers on duty, best first, with what ranked them (for a recommendation to show).</summary>
    public static IReadOnlyList<Candidate> Rank(
        DutyRoster roster,
        string unit,
        GeoPoint? near,
        DateTimeOffset now,
        IReadOnlyDictionary<string, WorkerState>? live = null,
        TimeSpan? staleAfter = null
    )
    {
        var stale = staleAfter ?? DefaultStaleAfter;
        return roster
            .OnDuty(unit, now, live)
            .Select(person =>
            {
                var state = live?.GetValueOrDefault(person.UserId);
                double? metres =
                    state?.Position is { } fix && fix.IsFresh(now, stale) && near is { } incident
                        ? fix.Point.MetresTo(incident)
                        : null;
                return new Candidate(person, roster.StatusOf(person, now, state), state?.OpenTasks ?? 0, metres);
            })
            .OrderBy(c => c.Status == WorkerStatus.OnDutyFree ? 0 : 1)
            .ThenBy(c => c.OpenTasks)
            .ThenBy(c => c.Metres is null ? 1 : 0)
            .ThenBy(c => c.Metres ?? 0)
            .ThenBy(c => c.Person.UserId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The people for each of <paramref name="units"/>.</summary>
    public static DutyBoard Board(
        DutyRoster roster,
        IEnumerable<string> units,
        GeoPoint? near,
        DateTimeOffset now,
        IReadOnlyDictionary<string, WorkerState>? live = null,
        TimeSpan? staleAfter = null
    ) => DutyBoard.Of(units.Distinct().Select(u => Pick(roster, u, near, now, live, staleAfter)));

    /// <summary>An on-duty worker as the picker ranked them; <see cref="Metres"/> is null when unknown.</summary>
    public sealed record Candidate(StaffMember Person, WorkerStatus Status, int OpenTasks, double? Metres);
}
