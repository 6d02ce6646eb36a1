using System.Collections.Immutable;
using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// One unit's duty roster and what is known now of its people. The roster starts as the catalog's
/// (<c>roster.json</c>) and is then the unit staff's to change; statuses and open tasks are stored with it; phones'
/// position fixes are kept in memory only (a fresh one comes every few seconds, and a stale one counts for nothing).
/// </summary>
public sealed class UnitGrain(
    [PersistentState("unit", DispatchStorage.Name)] IPersistentState<UnitGrain.Record> record,
    DutyRoster shipped,
    Catalog catalog,
    TimeProvider time
) : Grain, IUnitGrain
{
    /// <summary>
    /// What the grain keeps in storage: the unit's roster once changed, statuses and open tasks by person.
    /// </summary>
    public sealed record Record
    {
        public UnitRoster? Roster { get; init; }
        public ImmutableDictionary<string, WorkerStatus> Statuses { get; init; } =
            ImmutableDictionary<string, WorkerStatus>.Empty;
        public ImmutableDictionary<string, ImmutableSortedSet<string>> Tasks { get; init; } =
            ImmutableDictionary<string, ImmutableSortedSet<string>>.Empty;
    }

    private readonly Dictionary<string, WorkerPosition> _positions = [];

    private string Unit => this.GetPrimaryKeyString();

    private UnitRoster? Roster => record.State.Roster ?? shipped.UnitOf(Unit);

    /// <summary>The roster as the picker reads it: this unit, and the district's duty leaders.</summary>
    private DutyRoster View => new(shipped.TimeZone, Roster is { } roster ? [roster] : [], shipped.DistrictDutyLeaders);

    private Dictionary<string, WorkerState> Live() =>
        (Roster?.Staff ?? []).ToDictionary(
            p => p.UserId,
            p => new WorkerState(
                p.UserId,
                record.State.Statuses.TryGetValue(p.UserId, out var status) ? status : null,
                record.State.Tasks.TryGetValue(p.UserId, out var tasks) ? tasks.Count : 0,
                _positions.GetValueOrDefault(p.UserId)
            )
        );

    public Task<UnitRoster?> GetRosterAsync() => Task.FromResult(Roster);

    public async Task<IReadOnlyList<FieldProblem>> UpdateRosterAsync(UnitRoster roster)
    {
        if (roster.Unit != Unit)
            return [new FieldProblem("unit", $"is {roster.Unit}, but this is the roster of {Unit}")];
        // Ids must be unique in the district: the other units' rosters as they are now.
        var others = await Task.WhenAll(
            catalog
                .Units.Where(u => u.Code != Unit)
                .Select(u => GrainFactory.Grain<IUnitGrain>(u.Code).GetRosterAsync())
        );
        var district = new DutyRoster(shipped.TimeZone, others.OfType<UnitRoster>(), shipped.DistrictDutyLeaders);
        var change = district.With(roster, catalog);
        if (!change.IsAccepted)
            return change.Problems;
        var staff = roster.Staff.Select(s => s.UserId).ToHashSet();
        record.State = record.State with
        {
            Roster = roster,
            Statuses = record.State.Statuses.RemoveRange(record.State.Statuses.Keys.Where(k => !staff.Contains(k))),
        };
        await record.WriteStateAsync();
        foreach (var gone in _positions.Keys.Where(k => !staff.Contains(k)).ToList())
            _positions.Remove(gone);
        return [];
    }

    public Task<DutyPick> PickAsync(GeoPoint? near) =>
        Task.FromResult(DutyPicker.Pick(View, Unit, near, time.GetUtcNow(), Live()));

    public Task<IReadOnlyList<DutyPicker.Candidate>> RankAsync(GeoPoint? near) =>
        Task.FromResult(DutyPicker.Rank(View, Unit, near, time.GetUtcNow(), Live()));

    public async Task<FieldProblem?> ReportAsync(string userId, WorkerStatus? status, WorkerPosition? position)
    {
        if (Roster?.Find(userId) is null)
            return new FieldProblem("userId", $"'{userId}' is not on the roster of unit {Unit}");
        if (status is { } s && !Enum.IsDefined(s))
            return new FieldProblem("status", $"'{s}' is not a worker status");
        if (position is { } p)
        {
            if (!p.Point.IsValid || !catalog.District.Bounds.Contains(p.Point))
                return new FieldProblem(
                    "position",
                    $"({p.Point.Lat}, {p.Point.Lon}) is not a position in {catalog.District.En}"
                );
            if (!(p.AccuracyMetres is >= 0 and <= 10_000))
                return new FieldProblem("position.accuracy", "must lie between 0 and 10000 metres");
            _positions[userId] = p;
        }
        if (status is { } changed && record.State.Statuses.GetValueOrDefault(userId) != changed)
        {
            record.State = record.State with { Statuses = record.State.Statuses.SetItem(userId, changed) };
            await record.WriteStateAsync();
        }
        return null;
    }

    public async Task SetTaskAsync(string userId, string incident, bool open)
    {
        var tasks = record.State.Tasks.GetValueOrDefault(userId) ?? ImmutableSortedSet<string>.Empty;
        var next = open ? tasks.Add(incident) : tasks.Remove(incident);
        if (next == tasks)
            return;
        record.State = record.State with
        {
            Tasks = next.IsEmpty ? record.State.Tasks.Remove(userId) : record.State.Tasks.SetItem(userId, next),
        };
        await record.WriteStateAsync();
    }

    public Task<IReadOnlyList<PersonOnDuty>> PeopleAsync()
    {
        var now = time.GetUtcNow();
        var live = Live();
        var view = View;
        return Task.FromResult<IReadOnlyList<PersonOnDuty>>([
            .. (Roster?.Staff ?? []).Select(p => new PersonOnDuty(
                p,
                view.StatusOf(p, now, live[p.UserId]),
                live[p.UserId].OpenTasks,
                _positions.GetValueOrDefault(p.UserId)
            )),
        ]);
    }
}
