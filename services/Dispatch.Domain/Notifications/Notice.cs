using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>What a notice is about.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoticeTopic>))]
public enum NoticeTopic
{
    /// <summary>派遣: a task for the assignee.</summary>
    Dispatched,

    /// <summary>撤回: the assignee's task was withdrawn (recalled, or moved elsewhere).</summary>
    Recalled,

    /// <summary>改派: a task moved to the assignee from another unit or worker.</summary>
    Redirected,

    /// <summary>返工: the result was sent back.</summary>
    Rework,

    /// <summary>A stage reached 80 % of its deadline.</summary>
    DeadlineWarned,

    /// <summary>A stage reached 100 % of its deadline (逾期).</summary>
    DeadlineOverdue,

    /// <summary>A stage reached 200 % of its deadline (挂牌督办).</summary>
    DeadlineListed,

    /// <summary>退单: a unit returned its assignment.</summary>
    Returned,

    /// <summary>The assignments were not accepted in time (told to dispatchers, for urgent incidents).</summary>
    AcceptanceOverdue,

    /// <summary>催办: a dispatcher urged the incident.</summary>
    Urged,

    /// <summary>改类: the incident became of another type or priority.</summary>
    Reclassified,
}

/// <summary>Who is told, as a role the notifier resolves to people (with the roster and the user directory).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoticeRole>))]
public enum NoticeRole
{
    /// <summary>Who holds the unit's assignment: its named worker; with none, the unit's duty officer.</summary>
    Assignee,

    /// <summary>The unit's duty officer (值班员).</summary>
    DutyOfficer,

    /// <summary>The unit's head (单位负责人).</summary>
    UnitHead,

    /// <summary>The district duty leader on shift (区城运中心值班长).</summary>
    DistrictDutyLeader,

    /// <summary>The dispatchers of the operations hub (城运中心调度).</summary>
    Dispatchers,

    /// <summary>The reviewers of the operations hub (核查).</summary>
    Reviewers,

    /// <summary>One named person.</summary>
    User,
}

/// <summary>How pressing a notice is; channels may choose by it a sound, a colour, whether to wake a phone.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoticeUrgency>))]
public enum NoticeUrgency
{
    Low,
    Normal,
    High,
    Critical,
}

/// <summary>
/// A recipient as a role: <see cref="Unit"/> for the unit roles, <see cref="UserId"/> for a named user and, when known,
/// for the assignee.
/// </summary>
public sealed record NoticeRecipient(NoticeRole Role, string? Unit = null, string? UserId = null)
{
    public static NoticeRecipient Assignee(string unit, string? worker) => new(NoticeRole.Assignee, unit, worker);

    public static NoticeRecipient DutyOfficer(string unit) => new(NoticeRole.DutyOfficer, unit);

    public static NoticeRecipient UnitHead(string unit) => new(NoticeRole.UnitHead, unit);

    public static readonly NoticeRecipient DistrictDutyLeader = new(NoticeRole.DistrictDutyLeader);
    public static readonly NoticeRecipient Dispatchers = new(NoticeRole.Dispatchers);
    public static readonly NoticeRecipient Reviewers = new(NoticeRole.Reviewers);

    public static NoticeRecipient User(string userId) => new(NoticeRole.User, null, userId);

    /// <summary>
    /// The people of this recipient that the roster knows at <paramref name="at"/>: the assignee's worker (else the
    /// unit's duty officer), the unit's duty officer or head (else its duty officer), the district duty leader on
    /// shift, a named user. Dispatchers and reviewers are not on the units' rosters: empty, for the user directory to
    /// answer.
    /// </summary>
    public IReadOnlyList<string> People(DutyRoster roster, DateTimeOffset at)
    {
        var unit = roster.UnitOf(Unit);
        var person = Role switch
        {
            NoticeRole.Assignee => UserId ?? unit?.DutyOfficer,
            NoticeRole.DutyOfficer => unit?.DutyOfficer,
            NoticeRole.UnitHead => unit?.Head ?? unit?.DutyOfficer,
            NoticeRole.DistrictDutyLeader => roster.DistrictDutyLeaders.Count > 0
                ? roster.DistrictDutyLeaderAt(at)
                : null,
            NoticeRole.User => UserId,
            _ => null,
        };
        return string.IsNullOrEmpty(person) ? [] : [person];
    }

    public override string ToString() =>
        Role switch
        {
            NoticeRole.User => $"User({UserId})",
            _ when Unit is not null => UserId is null ? $"{Role}({Unit})" : $"{Role}({Unit}: {UserId})",
            _ => Role.ToString(),
        };
}

/// <summary>
/// One notice that an event causes: to whom (a role), about what, how urgent, and how long it may stay
/// unacknowledged before it goes to the next in the escalation chain (null: it does not escalate). <see cref="Key"/>
/// identifies it, so that a notifier reading the event stream again sends it once.
/// </summary>
public sealed record Notice(
    string Incident,
    long Seq,
    NoticeTopic Topic,
    NoticeRecipient To,
    NoticeUrgency Urgency,
    TimeSpan? EscalateAfter,
    string? Unit = null,
    Stage? Stage = null
)
{
    /// <summary>The same for the same event, topic and recipient, however often the event is read.</summary>
    public string Key => $"{Incident}#{Seq}/{Topic}/{To}";
}
