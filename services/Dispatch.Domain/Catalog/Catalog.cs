using System.Collections.Frozen;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// The district this deployment serves; its code prefixes incident numbers, and alerts must lie within its bounds.
/// </summary>
public sealed record District(string Code, string Zh, string En, Bounds Bounds);

/// <summary>A latitude/longitude box (WGS-84).</summary>
public sealed record Bounds(double South, double North, double West, double East)
{
    public bool IsValid =>
        South < North && West < East && new GeoPoint(South, West).IsValid && new GeoPoint(North, East).IsValid;

    public bool Contains(GeoPoint p) => p.Lat >= South && p.Lat <= North && p.Lon >= West && p.Lon <= East;
}

/// <summary>
/// How alerts become incidents: an alert with the same dedup key as an open incident's within
/// <see cref="DedupWindow"/> attaches to it; an alert of the same scenario in the same grid cell within
/// <see cref="CellWindow"/> of an open incident attaches to it too (three cameras, one person in the water), in both
/// cases only when the types are compatible (<see cref="Scenario.Compatible"/>); see <see cref="AlertDecider"/>.
/// </summary>
public sealed record CorrelationWindows(Allowance DedupWindow, Allowance CellWindow);

/// <summary>
/// What the district expects of its sensing devices: a heartbeat at least every <see cref="HeartbeatInterval"/>
/// (else a maintenance incident of <see cref="OfflineType"/> opens for the owner unit), alerts observed no
/// longer ago than <see cref="AlertMaxAge"/> nor later than <see cref="AlertMaxAhead"/> from now, and grid cells
/// of <see cref="GridCellMeters"/> for correlation.
/// </summary>
public sealed record DevicePolicy(
    Allowance HeartbeatInterval,
    int GridCellMeters,
    Allowance AlertMaxAge,
    Allowance AlertMaxAhead,
    IncidentType OfflineType
)
{
    /// <summary>The scenario id of maintenance incidents, which belong to no scenario of the ten.</summary>
    public const string MaintenanceScenario = "maintenance";
}

[JsonConverter(typeof(JsonStringEnumConverter<UnitKind>))]
public enum UnitKind
{
    Hub,
    Department,
    StreetOffice,
}

/// <summary>A responsible unit (责任单位): a district department, the operations hub, or a street office.</summary>
public sealed record Unit(string Code, string Zh, string En, UnitKind Kind);

/// <summary>One of the district's streets and towns (街镇), with the office responsible for its area (属地).</summary>
public sealed record Street(string Code, string Zh, string En, string Office, GeoPoint Centre);

/// <summary>A lead unit and co-units; <c>$street</c> stands for the office of the incident's street.</summary>
public sealed record Route(string Lead, IReadOnlyList<string> CoUnits)
{
    public const string StreetOffice = "$street";
}

/// <summary>Overrides the route of some types in some streets.</summary>
public sealed record RouteRule(IReadOnlyList<string> Types, IReadOnlyList<string> Streets, Route Route)
{
    public bool Matches(string type, string street) =>
        (Types.Count == 0 || Types.Contains(type)) && (Streets.Count == 0 || Streets.Contains(street));

    /// <summary>Rules naming both types and streets beat those naming one, which beat catch-alls.</summary>
    public int Specificity => (Types.Count > 0 ? 2 : 0) + (Streets.Count > 0 ? 1 : 0);
}

[JsonConverter(typeof(JsonStringEnumConverter<AutoFiling>))]
public enum AutoFiling
{
    Never,
    Always,
    WhenConfident,
}

/// <summary>
/// How an incident of a type is filed: by a dispatcher, always by itself, or by itself when an AI detection is
/// confident enough; and whether it then dispatches itself (机器派单).
/// </summary>
public sealed record FilingRule(AutoFiling Auto, double MinConfidence, bool AutoDispatch)
{
    public bool FilesItself(double? confidence) =>
        Auto switch
        {
            AutoFiling.Always => true,
            AutoFiling.WhenConfident => confidence is { } c && c >= MinConfidence,
            _ => false,
        };
}

/// <summary>
/// What a result must carry before the incident can be handled; and whether the incident closes by itself when
/// its cause clears (a device offline closes when it beats again).
/// </summary>
public sealed record ClosingConditions(
    bool PhotoRequired,
    bool NoteRequired,
    bool LocationRequired,
    bool SelfResolving = false
)
{
    public static readonly ClosingConditions None = new(false, false, false);
}

/// <summary>An incident type of a scenario, with its priority, deadlines per stage, route and rules.</summary>
public sealed record IncidentType(
    string Code,
    string Scenario,
    string Zh,
    string En,
    Priority Priority,
    IReadOnlyDictionary<Stage, Allowance> Deadlines,
    Route Route,
    FilingRule Filing,
    ClosingConditions Closing
);

/// <summary>
/// One of the ten integrated scenarios (高效处置一件事). <see cref="Families"/> are the groups of its incident types that
/// may be one incident (a smoke alarm, low hydrant pressure and a confirmed fire in one place are one fire); a type
/// is always compatible with itself.
/// </summary>
public sealed record Scenario(
    string Id,
    string Zh,
    string En,
    string LeadUnit,
    IReadOnlyList<string> CoUnits,
    bool PersonalData,
    IReadOnlyList<IncidentType> Types,
    IReadOnlyList<RouteRule> Routing,
    CorrelationWindows Correlation,
    IReadOnlyList<IReadOnlyList<string>>? Families = null
)
{
    /// <summary>
    /// Whether incidents of types <paramref name="a"/> and <paramref name="b"/> may be one incident: the same type, or
    /// two types of this scenario that a family names together.
    /// </summary>
    public bool Compatible(string a, string b) =>
        a == b ? Types.Any(t => t.Code == a) : (Families ?? []).Any(f => f.Contains(a) && f.Contains(b));
}

/// <summary>A priority class with its default deadlines.</summary>
public sealed record PriorityClass(
    Priority Priority,
    string Zh,
    string En,
    IReadOnlyDictionary<Stage, Allowance> Deadlines
);

/// <summary>
/// The catalog: scenarios, incident types, units, streets, priorities, routing and the working calendar.
/// It is data (the files under <c>catalog/</c>), loaded and validated by <see cref="CatalogLoader"/>.
/// </summary>
public sealed class Catalog
{
    /// <summary>The stages every incident type must have a deadline for; arriving is optional.</summary>
    public static readonly IReadOnlyList<Stage> RequiredStages =
    [
        Stage.Filing,
        Stage.Dispatching,
        Stage.Accepting,
        Stage.Handling,
        Stage.Reviewing,
    ];

    private readonly FrozenDictionary<string, IncidentType> _types;
    private readonly FrozenDictionary<string, Unit> _units;
    private readonly FrozenDictionary<string, Street> _streets;
    private readonly FrozenDictionary<string, Scenario> _scenarios;

    public Catalog(
        string version,
        District district,
        WorkingCalendar calendar,
        Allowance reopenWindow,
        IEnumerable<PriorityClass> priorities,
        IEnumerable<Unit> units,
        IEnumerable<Street> streets,
        IEnumerable<Scenario> scenarios,
        DevicePolicy devices
    )
    {
        Devices = devices;
        Version = version;
        District = district;
        Calendar = calendar;
        ReopenWindow = reopenWindow;
        Priorities = priorities.ToFrozenDictionary(p => p.Priority);
        _units = units.ToFrozenDictionary(u => u.Code);
        _streets = streets.ToFrozenDictionary(s => s.Code);
        _scenarios = scenarios.ToFrozenDictionary(s => s.Id);
        _types = _scenarios.Values.SelectMany(s => s.Types).Append(devices.OfflineType).ToFrozenDictionary(t => t.Code);
    }

    public string Version { get; }
    public District District { get; }
    public WorkingCalendar Calendar { get; }

    /// <summary>How long after closing or dismissal an incident may be reopened.</summary>
    public Allowance ReopenWindow { get; }
    public IReadOnlyDictionary<Priority, PriorityClass> Priorities { get; }
    public IEnumerable<Unit> Units => _units.Values;
    public IEnumerable<Street> Streets => _streets.Values;
    public IEnumerable<Scenario> Scenarios => _scenarios.Values;

    /// <summary>Every incident type, the maintenance type among them.</summary>
    public IEnumerable<IncidentType> Types => _types.Values;
    public DevicePolicy Devices { get; }

    public IncidentType? FindType(string? code) => code is not null && _types.TryGetValue(code, out var t) ? t : null;

    public Unit? FindUnit(string? code) => code is not null && _units.TryGetValue(code, out var u) ? u : null;

    public Street? FindStreet(string? code) => code is not null && _streets.TryGetValue(code, out var s) ? s : null;

    public Scenario? FindScenario(string? id) => id is not null && _scenarios.TryGetValue(id, out var s) ? s : null;

    /// <summary>
    /// Whether incidents of types <paramref name="a"/> and <paramref name="b"/> may be one incident: both of one
    /// scenario and compatible in it (see <see cref="Scenario.Compatible"/>). Types of different scenarios never are.
    /// </summary>
    public bool Compatible(string a, string b) =>
        FindType(a) is { } ta
        && FindType(b) is { } tb
        && ta.Scenario == tb.Scenario
        && (a == b || FindScenario(ta.Scenario) is { } s && s.Compatible(a, b));

    /// <summary>
    /// Routing as data: (scenario, type, street) → lead unit and co-units, with <c>$street</c> resolved.
    /// </summary>
    public Route Route(string typeCode, string streetCode)
    {
        var type =
            FindType(typeCode) ?? throw new ArgumentException($"unknown incident type '{typeCode}'", nameof(typeCode));
        var street =
            FindStreet(streetCode) ?? throw new ArgumentException($"unknown street '{streetCode}'", nameof(streetCode));
        var route =
            (FindScenario(type.Scenario)?.Routing ?? [])
                .Where(r => r.Matches(type.Code, street.Code))
                .OrderByDescending(r => r.Specificity)
                .Select(r => r.Route)
                .FirstOrDefault()
            ?? type.Route;
        string Resolve(string unit) => unit == global::Dispatch.Domain.Route.StreetOffice ? street.Office : unit;
        var lead = Resolve(route.Lead);
        return new Route(lead, [.. route.CoUnits.Select(Resolve).Where(u => u != lead).Distinct()]);
    }

    /// <summary>The time each stage of an incident of this type is allotted, converted into its measure.</summary>
    public IReadOnlyDictionary<Stage, TimeAllotment> Allotments(IncidentType type) => Allotments(type.Deadlines);

    /// <summary>
    /// The default time each stage of an incident of this priority is allotted, converted into its measure.
    /// </summary>
    public IReadOnlyDictionary<Stage, TimeAllotment> Allotments(Priority priority) =>
        Allotments(Priorities[priority].Deadlines);

    private Dictionary<Stage, TimeAllotment> Allotments(IReadOnlyDictionary<Stage, Allowance> deadlines) =>
        deadlines.ToDictionary(d => d.Key, d => new TimeAllotment(d.Value.Kind, d.Value.Length(Calendar.WorkingDay)));
}
