using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// One problem of a catalog file: the file, the entry at fault (null for the file as a whole), and what.
/// </summary>
public sealed record CatalogProblem(string File, string? Entry, string Problem)
{
    /// <summary>For people: "file: entry: problem".</summary>
    public string Message => Entry is null ? $"{File}: {Problem}" : $"{File}: {Entry}: {Problem}";

    public override string ToString() => Message;
}

/// <summary>The catalog files are inconsistent; the message names each file and entry at fault.</summary>
public sealed class CatalogException(IReadOnlyList<CatalogProblem> issues)
    : Exception(
        "The catalog is inconsistent:" + string.Concat(issues.Select(p => Environment.NewLine + "  - " + p.Message))
    )
{
    /// <summary>Each problem, with its file and entry as data.</summary>
    public IReadOnlyList<CatalogProblem> Issues { get; } = issues;

    /// <summary>Each problem as people read it: "file: entry: problem".</summary>
    public IReadOnlyList<string> Problems { get; } = [.. issues.Select(p => p.Message)];
}

/// <summary>
/// Loads the catalog from its folder: <c>catalog.json</c> (version, district, calendar, priorities),
/// <c>units.json</c>, <c>streets.json</c> and one file per scenario under <c>scenarios/</c>.
/// Every problem is reported with its file and entry; nothing half-loaded is ever returned.
/// </summary>
public static class CatalogLoader
{
    public const string ManifestFile = "catalog.json";
    public const string UnitsFile = "units.json";
    public const string StreetsFile = "streets.json";
    public const string ScenariosFolder = "scenarios";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// The catalog shipped with the project: the <c>catalog</c> folder next to the program, else the repository's.
    /// </summary>
    public static string DefaultDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "catalog");
            if (File.Exists(Path.Combine(candidate, ManifestFile)))
                return candidate;
        }
        throw new DirectoryNotFoundException(
            $"no catalog folder with {ManifestFile} next to {AppContext.BaseDirectory} or above it"
        );
    }

    public static Catalog Load(string directory)
    {
        var problems = new List<CatalogProblem>();
        var manifest = Read<ManifestDto>(directory, ManifestFile, problems);
        var units = Read<UnitsDto>(directory, UnitsFile, problems);
        var streets = Read<StreetsDto>(directory, StreetsFile, problems);
        var scenarioFiles = Directory.Exists(Path.Combine(directory, ScenariosFolder))
            ? Directory
                .GetFiles(Path.Combine(directory, ScenariosFolder), "*.json")
                .Select(f => $"{ScenariosFolder}/{Path.GetFileName(f)}")
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        if (scenarioFiles.Count == 0)
            problems.Add(new($"{ScenariosFolder}/", null, "no scenario files"));
        var scenarios = scenarioFiles
            .Select(file => (File: file, Dto: Read<ScenarioDto>(directory, file, problems)))
            .Where(s => s.Dto is not null)
            .ToList();
        if (manifest is null || units is null || streets is null)
            throw new CatalogException(problems);

        var v = new Validator(problems);
        var calendar = v.Calendar(manifest.Calendar);
        var reopen =
            v.Allowance(ManifestFile, "reopenWindow", manifest.ReopenWindow) ?? new Allowance(30, AllowanceUnit.Days);
        var district = manifest.District is { Code.Length: > 0, Bounds.IsValid: true } d
            ? d
            : v.Fail<District>(
                ManifestFile,
                "district",
                "needs a code (the incident number prefix), zh, en and bounds (south < north, west < east)"
            );
        var version = string.IsNullOrWhiteSpace(manifest.Version)
            ? v.Fail<string>(ManifestFile, "version", "is missing")
            : manifest.Version;
        var priorities = v.KnownPriorities = v.Priorities(manifest.Priorities);
        var unitList = v.Units(units.Units ?? []);
        v.KnownUnits = [.. unitList.Select(u => u.Code)];
        var streetList = v.Streets(streets.Streets ?? [], unitList);
        v.KnownStreets = [.. streetList.Select(s => s.Code)];
        var correlation = v.Correlation(ManifestFile, "correlation", manifest.Correlation, null);
        var devices = v.Devices(manifest.Devices);
        var scenarioList = scenarios.Select(s => v.Scenario(s.File, s.Dto!, correlation)).OfType<Scenario>().ToList();
        if (problems.Count > 0)
            throw new CatalogException(problems);
        return new Catalog(
            version!,
            district!,
            calendar!,
            reopen,
            priorities.Values,
            unitList,
            streetList,
            scenarioList,
            devices!
        );
    }

    /// <summary>
    /// Reads one file of the catalog folder; a missing, empty or malformed file is a problem of that file.
    /// </summary>
    internal static T? Read<T>(string directory, string file, List<CatalogProblem> problems)
        where T : class
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            problems.Add(new(file, null, $"file not found in {directory}"));
            return null;
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
            if (value is null)
                problems.Add(new(file, null, "is empty"));
            return value;
        }
        catch (JsonException e)
        {
            problems.Add(new(file, $"line {e.LineNumber + 1}", e.Message));
            return null;
        }
    }

    private sealed class Validator(List<CatalogProblem> problems)
    {
        public T? Fail<T>(string file, string entry, string problem)
        {
            problems.Add(new(file, entry, problem));
            return default;
        }

        public Allowance? Allowance(string file, string entry, string? text)
        {
            if (text is null)
                return null;
            return Domain.Allowance.TryParse(text, out var a)
                ? a
                : Fail<Allowance?>(file, entry, $"'{text}' is not an allowance (e.g. 15m, 2h, 2wh, 1wd)");
        }

        public WorkingCalendar? Calendar(CalendarDto? dto)
        {
            const string file = ManifestFile;
            if (dto is null)
                return Fail<WorkingCalendar>(file, "calendar", "is missing");
            const DateTimeStyles exact = DateTimeStyles.None;
            var invariant = CultureInfo.InvariantCulture;
            TimeOnly Time(string entry, string? text, TimeOnly fallback) =>
                text is null ? fallback
                : TimeOnly.TryParseExact(text, "HH:mm", invariant, exact, out var t) ? t
                : Fail<TimeOnly>(file, $"calendar.{entry}", $"'{text}' is not a time (HH:mm)");
            List<DateOnly> Days(string entry, List<string>? texts) =>
                [
                    .. (texts ?? []).Select(t =>
                        DateOnly.TryParseExact(t, "yyyy-MM-dd", invariant, exact, out var d)
                            ? d
                            : Fail<DateOnly>(file, $"calendar.{entry}", $"'{t}' is not a date (yyyy-MM-dd)")
                    ),
                ];
            var weekend = (dto.Weekend ?? ["Saturday", "Sunday"])
                .Select(w =>
                    Enum.TryParse<DayOfWeek>(w, true, out var d)
                        ? d
                        : Fail<DayOfWeek>(file, "calendar.weekend", $"'{w}' is not a day of the week")
                )
                .ToList();
            if (weekend.Distinct().Count() >= 7)
                return Fail<WorkingCalendar>(file, "calendar.weekend", "leaves no working day in the week");
            var zone = WorkingCalendar.FindZone(dto.TimeZone ?? "Asia/Shanghai");
            if (zone is null)
                return Fail<WorkingCalendar>(
                    file,
                    "calendar.timeZone",
                    $"'{dto.TimeZone}' is not a time zone this system knows"
                );
            var start = Time("workdayStart", dto.WorkdayStart, new TimeOnly(9, 0));
            var end = Time("workdayEnd", dto.WorkdayEnd, new TimeOnly(17, 30));
            if (end <= start)
                return Fail<WorkingCalendar>(
                    file,
                    "calendar",
                    $"the working day must end after it starts ({start:HH:mm}–{end:HH:mm})"
                );
            return new WorkingCalendar(
                zone,
                start,
                end,
                weekend,
                Days("holidays", dto.Holidays),
                Days("workingWeekendDays", dto.WorkingWeekendDays)
            );
        }

        public Dictionary<Priority, PriorityClass> Priorities(Dictionary<string, PriorityDto>? dtos)
        {
            var result = new Dictionary<Priority, PriorityClass>();
            foreach (var (name, dto) in dtos ?? [])
            {
                if (!Enum.TryParse<Priority>(name, false, out var priority) || !Enum.IsDefined(priority))
                {
                    Fail<object>(ManifestFile, $"priorities.{name}", "is not a priority (P1–P4)");
                    continue;
                }
                var deadlines = Deadlines(ManifestFile, $"priorities.{name}", dto.Deadlines);
                result[priority] = new PriorityClass(priority, dto.Zh ?? name, dto.En ?? name, deadlines);
            }
            foreach (var p in Enum.GetValues<Priority>().Where(p => !result.ContainsKey(p)))
                Fail<object>(ManifestFile, $"priorities.{p}", "is missing");
            return result;
        }

        public Dictionary<Stage, Allowance> Deadlines(string file, string entry, Dictionary<string, string>? texts)
        {
            var result = new Dictionary<Stage, Allowance>();
            foreach (var (stageName, text) in texts ?? [])
            {
                if (!Enum.TryParse<Stage>(stageName, true, out var stage) || !Enum.IsDefined(stage))
                    Fail<object>(file, $"{entry}.deadlines.{stageName}", $"is not a stage ({StageNames})");
                else if (Allowance(file, $"{entry}.deadlines.{stageName}", text) is { } a)
                    result[stage] = a;
            }
            return result;
        }

        private static readonly string StageNames = string.Join(
            ", ",
            Enum.GetNames<Stage>().Select(n => n.ToLowerInvariant())
        );

        public List<Unit> Units(List<Unit> units)
        {
            var seen = new HashSet<string>();
            foreach (var u in units)
            {
                if (string.IsNullOrWhiteSpace(u.Code))
                    Fail<object>(UnitsFile, $"unit '{u.Zh}'", "has no code");
                else if (!seen.Add(u.Code))
                    Fail<object>(UnitsFile, $"unit {u.Code}", "duplicate code");
                if (string.IsNullOrWhiteSpace(u.Zh) || string.IsNullOrWhiteSpace(u.En))
                    Fail<object>(UnitsFile, $"unit {u.Code}", "needs zh and en names");
            }
            return units;
        }

        public List<Street> Streets(List<Street> streets, List<Unit> units)
        {
            var seen = new HashSet<string>();
            foreach (var s in streets)
            {
                if (string.IsNullOrWhiteSpace(s.Code))
                    Fail<object>(StreetsFile, $"street '{s.Zh}'", "has no code");
                else if (!seen.Add(s.Code))
                    Fail<object>(StreetsFile, $"street {s.Code}", "duplicate code");
                if (units.FirstOrDefault(u => u.Code == s.Office) is not { Kind: UnitKind.StreetOffice })
                    Fail<object>(
                        StreetsFile,
                        $"street {s.Code}",
                        $"office '{s.Office}' is not a street office in {UnitsFile}"
                    );
                if (!s.Centre.IsValid)
                    Fail<object>(StreetsFile, $"street {s.Code}", "centre is not a WGS-84 position");
            }
            return streets;
        }

        public Dictionary<Priority, PriorityClass> KnownPriorities { get; set; } = [];
        public HashSet<string> KnownUnits { get; set; } = [];
        public HashSet<string> KnownStreets { get; set; } = [];
        private readonly Dictionary<string, string> _seenTypes = [];
        private readonly Dictionary<string, string> _seenScenarios = [];

        private void Unit(string file, string entry, string? code, bool allowStreet = true)
        {
            if (code is null)
                Fail<object>(file, entry, "no unit given");
            else if (!KnownUnits.Contains(code) && !(allowStreet && code == Route.StreetOffice))
                Fail<object>(file, entry, $"unknown unit '{code}'");
        }

        private Route RouteOf(string file, string entry, RouteDto? r, string defaultLead)
        {
            if (r is null)
                return new Route(defaultLead, []);
            Unit(file, $"{entry}.lead", r.Lead);
            foreach (var co in r.CoUnits ?? [])
                Unit(file, $"{entry}.coUnits", co);
            return new Route(r.Lead ?? "", r.CoUnits ?? []);
        }

        public CorrelationWindows? Correlation(
            string file,
            string entry,
            CorrelationDto? dto,
            CorrelationWindows? defaults
        )
        {
            if (dto is null)
                return defaults ?? Fail<CorrelationWindows>(file, entry, "is missing");
            var dedup = Allowance(file, $"{entry}.dedupWindow", dto.DedupWindow) ?? defaults?.DedupWindow;
            var cell = Allowance(file, $"{entry}.cellWindow", dto.CellWindow) ?? defaults?.CellWindow;
            if (dedup is not { Kind: ClockKind.Wall } || cell is not { Kind: ClockKind.Wall })
                return Fail<CorrelationWindows>(
                    file,
                    entry,
                    "needs a dedupWindow and a cellWindow on the wall clock (e.g. 30m, 5m)"
                );
            return new CorrelationWindows(dedup.Value, cell.Value);
        }

        public IncidentType? Type(string file, string scenario, string defaultLead, TypeDto t)
        {
            var entry = $"type {t.Code}";
            if (string.IsNullOrWhiteSpace(t.Code))
                return Fail<IncidentType>(file, "types", "a type has no code");
            if (_seenTypes.TryGetValue(t.Code, out var where))
                return Fail<IncidentType>(file, entry, $"duplicate code (also in {where})");
            _seenTypes[t.Code] = file;
            if (string.IsNullOrWhiteSpace(t.Zh) || string.IsNullOrWhiteSpace(t.En))
                Fail<object>(file, entry, "needs zh and en names");
            if (
                !Enum.TryParse<Priority>(t.Priority, false, out var priority)
                || !KnownPriorities.TryGetValue(priority, out var defaults)
            )
                return Fail<IncidentType>(file, entry, $"priority '{t.Priority}' is not one of P1–P4");
            var deadlines = new Dictionary<Stage, Allowance>(defaults.Deadlines);
            foreach (var (stage, a) in Deadlines(file, entry, t.Deadlines))
                deadlines[stage] = a;
            foreach (var missing in Catalog.RequiredStages.Where(s => !deadlines.ContainsKey(s)))
                Fail<object>(
                    file,
                    entry,
                    $"has no deadline for stage {missing.ToString().ToLowerInvariant()} "
                        + $"(neither its own nor {priority}'s)"
                );
            var filing = t.Filing ?? new FilingDto(null, null, null);
            var auto =
                filing.Auto is null ? AutoFiling.Never
                : Enum.TryParse<AutoFiling>(filing.Auto, true, out var af) ? af
                : Fail<AutoFiling>(
                    file,
                    $"{entry}.filing.auto",
                    $"'{filing.Auto}' is not one of never, always, whenConfident"
                );
            var min = filing.MinConfidence ?? 1.0;
            if (min is <= 0 or > 1)
                Fail<object>(file, $"{entry}.filing.minConfidence", "must lie in (0, 1]");
            if (filing.AutoDispatch == true && auto == AutoFiling.Never)
                Fail<object>(file, $"{entry}.filing", "autoDispatch needs auto filing");
            var closing = t.Closing ?? new ClosingDto(null, null, null, null);
            return new IncidentType(
                t.Code,
                scenario,
                t.Zh ?? "",
                t.En ?? "",
                priority,
                deadlines,
                RouteOf(file, $"{entry}.route", t.Route, defaultLead),
                new FilingRule(auto, min, filing.AutoDispatch ?? false),
                new ClosingConditions(
                    closing.PhotoRequired ?? false,
                    closing.NoteRequired ?? false,
                    closing.LocationRequired ?? false,
                    closing.SelfResolving ?? false
                )
            );
        }

        public Scenario? Scenario(string file, ScenarioDto dto, CorrelationWindows? correlationDefaults)
        {
            if (string.IsNullOrWhiteSpace(dto.Id))
                return Fail<Scenario>(file, "id", "is missing");
            if (_seenScenarios.TryGetValue(dto.Id, out var other))
                return Fail<Scenario>(file, $"scenario {dto.Id}", $"duplicate id (also in {other})");
            _seenScenarios[dto.Id] = file;
            Unit(file, "lead", dto.Lead, allowStreet: false);
            foreach (var co in dto.CoUnits ?? [])
                Unit(file, "coUnits", co);
            var types = (dto.Types ?? [])
                .Select(t => Type(file, dto.Id, dto.Lead ?? "", t))
                .OfType<IncidentType>()
                .ToList();
            if (types.Count == 0)
                Fail<object>(file, $"scenario {dto.Id}", "has no incident types");
            var correlation = Correlation(
                file,
                "correlation",
                dto.Correlation is { } c ? new CorrelationDto(c.DedupWindow, c.CellWindow) : null,
                correlationDefaults
            );
            var families = Families(file, types, dto.Correlation?.Families);

            var rules = new List<RouteRule>();
            foreach (var (r, i) in (dto.Routing ?? []).Select((r, i) => (r, i)))
            {
                var entry = $"routing[{i}]";
                foreach (var type in (r.Types ?? []).Where(type => !types.Any(t => t.Code == type)))
                    Fail<object>(file, entry, $"unknown type '{type}' (not in this scenario)");
                foreach (var street in (r.Streets ?? []).Where(s => !KnownStreets.Contains(s)))
                    Fail<object>(file, entry, $"unknown street '{street}'");
                if (r.Route is null)
                    Fail<object>(file, entry, "has no route");
                else
                    rules.Add(
                        new RouteRule(
                            r.Types ?? [],
                            r.Streets ?? [],
                            RouteOf(file, $"{entry}.route", r.Route, dto.Lead ?? "")
                        )
                    );
            }
            return new Scenario(
                dto.Id,
                dto.Zh ?? dto.Id,
                dto.En ?? dto.Id,
                dto.Lead ?? "",
                dto.CoUnits ?? [],
                dto.PersonalData ?? false,
                types,
                rules,
                correlation ?? new CorrelationWindows(default, default),
                families
            );
        }

        /// <summary>Type families: each names at least two types of this scenario, each once.</summary>
        private List<IReadOnlyList<string>> Families(string file, List<IncidentType> types, List<List<string>>? dtos)
        {
            var families = new List<IReadOnlyList<string>>();
            foreach (var (family, i) in (dtos ?? []).Select((f, i) => (f ?? [], i)))
            {
                var entry = $"correlation.families[{i}]";
                var known = true;
                foreach (var code in family.Where(code => !types.Any(t => t.Code == code)))
                {
                    Fail<object>(file, entry, $"unknown type '{code}' (not in this scenario)");
                    known = false;
                }
                if (family.Distinct().Count() != family.Count)
                    Fail<object>(file, entry, "names a type twice");
                else if (family.Count < 2)
                    Fail<object>(file, entry, "needs at least two types (a type is always compatible with itself)");
                else if (known)
                    families.Add([.. family]);
            }
            return families;
        }

        public DevicePolicy? Devices(DevicesDto? dto)
        {
            const string file = ManifestFile;
            if (dto is null)
                return Fail<DevicePolicy>(file, "devices", "is missing");
            var heartbeat = Allowance(file, "devices.heartbeatInterval", dto.HeartbeatInterval);
            var maxAge = Allowance(file, "devices.alertMaxAge", dto.AlertMaxAge);
            var maxAhead = Allowance(file, "devices.alertMaxAhead", dto.AlertMaxAhead);
            if (
                heartbeat is not { Kind: ClockKind.Wall }
                || maxAge is not { Kind: ClockKind.Wall }
                || maxAhead is not { Kind: ClockKind.Wall }
            )
                return Fail<DevicePolicy>(
                    file,
                    "devices",
                    "needs heartbeatInterval, alertMaxAge and alertMaxAhead on the wall clock (e.g. 5m, 24h, 5m)"
                );
            if (dto.GridCellMeters is not (>= 10 and <= 10_000))
                return Fail<DevicePolicy>(file, "devices.gridCellMeters", "must lie between 10 and 10000");
            if (dto.OfflineType is null)
                return Fail<DevicePolicy>(file, "devices.offlineType", "is missing");
            var offline = Type(file, DevicePolicy.MaintenanceScenario, "OPS", dto.OfflineType);
            if (offline is { Closing.SelfResolving: false })
                Fail<object>(
                    file,
                    $"devices.offlineType {offline.Code}",
                    "must be selfResolving: a heartbeat closes it"
                );
            return offline is null
                ? null
                : new DevicePolicy(heartbeat.Value, dto.GridCellMeters.Value, maxAge.Value, maxAhead.Value, offline);
        }
    }

    private sealed record ManifestDto(
        string? Version,
        District? District,
        string? ReopenWindow,
        CalendarDto? Calendar,
        Dictionary<string, PriorityDto>? Priorities,
        CorrelationDto? Correlation,
        DevicesDto? Devices
    );

    private sealed record CorrelationDto(string? DedupWindow, string? CellWindow);

    private sealed record DevicesDto(
        string? HeartbeatInterval,
        int? GridCellMeters,
        string? AlertMaxAge,
        string? AlertMaxAhead,
        TypeDto? OfflineType
    );

    private sealed record CalendarDto(
        string? TimeZone,
        string? WorkdayStart,
        string? WorkdayEnd,
        List<string>? Weekend,
        List<string>? Holidays,
        List<string>? WorkingWeekendDays
    );

    private sealed record PriorityDto(string? Zh, string? En, Dictionary<string, string>? Deadlines);

    private sealed record UnitsDto(List<Unit>? Units);

    private sealed record StreetsDto(List<Street>? Streets);

    private sealed record ScenarioDto(
        string? Id,
        string? Zh,
        string? En,
        string? Lead,
        List<string>? CoUnits,
        bool? PersonalData,
        List<TypeDto>? Types,
        List<RuleDto>? Routing,
        ScenarioCorrelationDto? Correlation
    );

    private sealed record ScenarioCorrelationDto(string? DedupWindow, string? CellWindow, List<List<string>>? Families);

    private sealed record TypeDto(
        string? Code,
        string? Zh,
        string? En,
        string? Priority,
        Dictionary<string, string>? Deadlines,
        RouteDto? Route,
        FilingDto? Filing,
        ClosingDto? Closing
    );

    private sealed record RouteDto(string? Lead, List<string>? CoUnits);

    private sealed record FilingDto(string? Auto, double? MinConfidence, bool? AutoDispatch);

    private sealed record ClosingDto(
        bool? PhotoRequired,
        bool? NoteRequired,
        bool? LocationRequired,
        bool? SelfResolving
    );

    private sealed record RuleDto(List<string>? Types, List<string>? Streets, RouteDto? Route);
}
