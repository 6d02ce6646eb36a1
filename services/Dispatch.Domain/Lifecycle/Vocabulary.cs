using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>The states of an incident (案件) in the closed loop, from report to close.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentState>))]
public enum IncidentState
{
    /// <summary>上报/发现: discovered by an alert or reported by a person.</summary>
    Reported,

    /// <summary>立案: accepted as a case, waiting for dispatch.</summary>
    Filed,

    /// <summary>不予立案: false alarm, duplicate or out of scope.</summary>
    Dismissed,

    /// <summary>派遣: sent to a lead unit and optional co-units.</summary>
    Dispatched,

    /// <summary>退单: the lead unit said "not ours"; waits for re-dispatch.</summary>
    Returned,

    /// <summary>签收: the lead unit has accepted.</summary>
    Accepted,

    /// <summary>处置中: on site, being handled.</summary>
    InProgress,

    /// <summary>处置反馈: every assignment has submitted its result.</summary>
    Handled,

    /// <summary>核查/督办审核: a reviewer checks the result.</summary>
    UnderReview,

    /// <summary>结案: approved and evaluated.</summary>
    Closed,

    /// <summary>合并: merged into another incident.</summary>
    Merged,
}

/// <summary>The stages that run against a deadline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Stage>))]
public enum Stage
{
    Filing,
    Dispatching,
    Accepting,
    Arriving,
    Handling,
    Reviewing,
}

/// <summary>督办 level: 1 warned at 80 % of a deadline, 2 overdue, 3 listed supervision (挂牌督办) at 200 %.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EscalationLevel>))]
public enum EscalationLevel
{
    None = 0,
    Warned = 1,
    Overdue = 2,
    ListedForSupervision = 3,
}

[JsonConverter(typeof(JsonStringEnumConverter<Priority>))]
public enum Priority
{
    P1 = 1,
    P2 = 2,
    P3 = 3,
    P4 = 4,
}

/// <summary>Discovery channels (发现渠道).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    IotSensor,
    AiCamera,
    Hotline,
    GridPatrol,
    CitizenApp,
    ThirdParty,
    HigherLevel,
    System,
}

[JsonConverter(typeof(JsonStringEnumConverter<Role>))]
public enum Role
{
    System,
    Gateway,
    Dispatcher,
    UnitStaff,
    Worker,
    Reviewer,
    Auditor,
    Administrator,
    Citizen,
}

/// <summary>Why a reported incident is not filed (不予立案).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DismissalGround>))]
public enum DismissalGround
{
    FalseAlarm,
    Duplicate,
    OutOfScope,
}

[JsonConverter(typeof(JsonStringEnumConverter<AssignmentState>))]
public enum AssignmentState
{
    Dispatched,
    Accepted,
    InProgress,
    Handled,
}

/// <summary>Who issued a command: user id, role and the unit they act for.</summary>
public sealed record Actor(string UserId, Role Role, string? Unit = null)
{
    public static readonly Actor System = new("system", Role.System);
}

/// <summary>A WGS-84 position.</summary>
public readonly record struct GeoPoint(double Lat, double Lon)
{
    private const double EarthRadiusMetres = 6_371_000;

    public bool IsValid =>
        Lat is >= -90 and <= 90 && Lon is >= -180 and <= 180 && !double.IsNaN(Lat) && !double.IsNaN(Lon);

    /// <summary>Great-circle distance (haversine), in metres.</summary>
    public double MetresTo(GeoPoint other)
    {
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var h =
            Math.Pow(Math.Sin(Rad(other.Lat - Lat) / 2), 2)
            + Math.Cos(Rad(Lat)) * Math.Cos(Rad(other.Lat)) * Math.Pow(Math.Sin(Rad(other.Lon - Lon) / 2), 2);
        return 2 * EarthRadiusMetres * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}

/// <summary>
/// The person who reported by hotline, patrol or app; personal data, masked for roles that do not need it.
/// </summary>
public sealed record Reporter(string Name, string? Phone = null);

/// <summary>The evaluation (问效) recorded when an incident is closed: a rating from 1 to 5 and a comment.</summary>
public sealed record Evaluation(int Rating, string? Comment = null);

/// <summary>One unit's part in handling an incident (lead, or co-unit in 协同处置).</summary>
public sealed record Assignment(string Unit, bool IsLead, AssignmentState State, string? Worker = null);
