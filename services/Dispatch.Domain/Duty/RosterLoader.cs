using System.Globalization;

namespace Dispatch.Domain;

/// <summary>
/// Loads the duty roster, <c>roster.json</c> in the catalog folder, and checks it against the catalog: every unit of
/// the catalog has a roster with a duty officer on its staff (so machine dispatch always reaches someone), every
/// person is known and on one unit's staff only, every shift reads as days and times, and the district's duty
/// leaders are staff of the operations hub. Every problem names the file and entry; nothing half-loaded is returned.
/// </summary>
public static class RosterLoader
{
    public const string RosterFile = "roster.json";

    public static DutyRoster Load(string directory, Catalog catalog)
    {
        var problems = new List<CatalogProblem>();
        var dto = CatalogLoader.Read<RosterDto>(directory, RosterFile, problems);
        if (dto is null)
            throw new CatalogException(problems);
        var roster = Build(dto, catalog, problems);
        if (problems.Count > 0)
            throw new CatalogException(problems);
        return roster;
    }

    private static DutyRoster Build(RosterDto dto, Catalog catalog, List<CatalogProblem> problems)
    {
        void Fail(string entry, string problem) => problems.Add(new CatalogProblem(RosterFile, entry, problem));

        if (string.IsNullOrWhiteSpace(dto.Version))
            Fail("version", "is missing");
        var units = new List<(string Entry, UnitRoster Roster)>();
        foreach (var (u, i) in (dto.Units ?? []).Select((u, i) => (u, i)))
        {
            var entry = string.IsNullOrWhiteSpace(u.Unit) ? $"units[{i}]" : $"unit {u.Unit}";
            if (units.Any(x => x.Roster.Unit == u.Unit))
            {
                Fail(entry, "is listed twice");
                continue;
            }
            units.Add((entry, UnitOf(u, entry, Fail)));
        }
        var all = new DutyRoster(
            catalog.Calendar.TimeZone,
            units.Select(u => u.Roster),
            dto.District?.DutyLeaders ?? []
        );
        foreach (var (entry, unit) in units)
            foreach (var p in RosterRules.Check(unit, catalog, all))
                Fail($"{entry}.{p.Field}", p.Problem);
        foreach (var missing in catalog.Units.Where(u => all.UnitOf(u.Code) is null).Select(u => u.Code).Order())
            Fail($"unit {missing}", "has no duty officer: it has no roster, so machine dispatch could reach no one");

        var hubs = catalog.Units.Where(u => u.Kind == UnitKind.Hub).Select(u => u.Code).ToHashSet();
        if (all.DistrictDutyLeaders.Count == 0)
            Fail("district.dutyLeaders", "is missing: name at least one district duty leader (区城运中心值班长)");
        foreach (var leader in all.DistrictDutyLeaders)
        {
            if (all.Find(leader) is not { } person)
                Fail("district.dutyLeaders", $"unknown person '{leader}'");
            else if (!hubs.Contains(person.Unit))
                Fail(
                    "district.dutyLeaders",
                    $"'{leader}' is on the staff of unit {person.Unit}, "
                        + $"not of the operations hub ({string.Join(", ", hubs)})"
                );
        }
        return all;
    }

    private static UnitRoster UnitOf(UnitRosterDto u, string entry, Action<string, string> fail)
    {
        var unit = u.Unit ?? "";
        var staff = (u.Staff ?? [])
            .Select(
                (s, i) =>
                {
                    var at = $"{entry}.staff[{i}]";
                    var role =
                        Enum.TryParse<StaffRole>(s.Role, ignoreCase: true, out var r) && Enum.IsDefined(r)
                            ? r
                            : Failed(
                                fail,
                                $"{at}.role",
                                $"'{s.Role}' is not one of {string.Join(", ", Enum.GetNames<StaffRole>())}",
                                StaffRole.Worker
                            );
                    var shifts = (s.Shifts ?? [])
                        .Select((shift, j) => ShiftOf(shift, $"{at}.shifts[{j}]", fail))
                        .ToList();
                    return new StaffMember(s.UserId ?? "", s.Name ?? "", unit, role, shifts);
                }
            )
            .ToList();
        return new UnitRoster(unit, u.DutyOfficer ?? "", u.Head, staff);
    }

    private static Shift ShiftOf(ShiftDto dto, string at, Action<string, string> fail)
    {
        var days = (dto.Days ?? [])
            .Select(d =>
                Enum.TryParse<DayOfWeek>(d, ignoreCase: true, out var day) && Enum.IsDefined(day)
                    ? day
                    : Failed(fail, $"{at}.days", $"'{d}' is not a day of the week", DayOfWeek.Monday)
            )
            .Distinct()
            .ToList();
        return new Shift(days, Time(dto.Start, $"{at}.start"), Time(dto.End, $"{at}.end"));

        TimeOnly Time(string? text, string field) =>
            TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
                ? t
                : Failed(fail, field, $"'{text}' is not a time (HH:mm)", TimeOnly.MinValue);
    }

    private static T Failed<T>(Action<string, string> fail, string entry, string problem, T fallback)
    {
        fail(entry, problem);
        return fallback;
    }

    private sealed record RosterDto(string? Version, DistrictDutyDto? District, List<UnitRosterDto>? Units);

    private sealed record DistrictDutyDto(List<string>? DutyLeaders);

    private sealed record UnitRosterDto(string? Unit, string? DutyOfficer, string? Head, List<StaffDto>? Staff);

    private sealed record StaffDto(string? UserId, string? Name, string? Role, List<ShiftDto>? Shifts);

    private sealed record ShiftDto(List<string>? Days, string? Start, string? End);
}
