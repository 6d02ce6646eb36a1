using Dispatch.Domain;
using Orleans.Concurrency;

namespace Dispatch.Abstractions;

/// <summary>
/// One unit's duty roster (值班表) and what is known now of its people, keyed by the unit's code: its staff, their
/// roles and shifts, its duty officer and head (seeded from the catalog's roster, then changed by unit staff), and per
/// person the status they reported, their phone's last position fix and the open tasks they hold. Machine dispatch
/// asks it for the person to give a unit's assignment to; it never answers no one.
/// </summary>
[Alias("Dispatch.IUnitGrain")]
public interface IUnitGrain : IGrainWithStringKey
{
    /// <summary>The unit's roster now (null for a code that is no unit of the roster).</summary>
    [Alias("GetRoster"), AlwaysInterleave]
    Task<UnitRoster?> GetRosterAsync();

    /// <summary>
    /// Puts <paramref name="roster"/> in place of the unit's roster, if it keeps the roster's rules (people known, a
    /// duty officer and a head on the staff, shifts for workers, ids unique in the district); the problems otherwise,
    /// each naming the field, and then nothing changes.
    /// </summary>
    [Alias("UpdateRoster")]
    Task<IReadOnlyList<FieldProblem>> UpdateRosterAsync(UnitRoster roster);

    /// <summary>
    /// The person machine dispatch gives the unit's assignment to, for an incident at <paramref name="near"/>.
    /// </summary>
    [Alias("Pick"), AlwaysInterleave]
    Task<DutyPick> PickAsync(GeoPoint? near);

    /// <summary>The unit's workers on duty, best first, with what ranked them (status, open tasks, distance).</summary>
    [Alias("Rank"), AlwaysInterleave]
    Task<IReadOnlyList<DutyPicker.Candidate>> RankAsync(GeoPoint? near);

    /// <summary>A person of the unit reports their status, their phone's own position fix, or both.</summary>
    [Alias("Report")]
    Task<FieldProblem?> ReportAsync(string userId, WorkerStatus? status, WorkerPosition? position);

    /// <summary>
    /// Whether <paramref name="incident"/> is an open task of <paramref name="userId"/> (idempotent).
    /// </summary>
    [Alias("SetTask")]
    Task SetTaskAsync(string userId, string incident, bool open);

    /// <summary>
    /// What is known now of each person of the unit: status on the roster's terms, open tasks, position.
    /// </summary>
    [Alias("People"), AlwaysInterleave]
    Task<IReadOnlyList<PersonOnDuty>> PeopleAsync();
}

/// <summary>A person of a unit as the map and the dispatcher see them now.</summary>
[GenerateSerializer, Immutable, Alias("Dispatch.PersonOnDuty")]
public sealed record PersonOnDuty(
    [property: Id(0)] StaffMember Person,
    [property: Id(1)] WorkerStatus Status,
    [property: Id(2)] int OpenTasks,
    [property: Id(3)] WorkerPosition? Position
);
