using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>A word for people in both languages of the product.</summary>
public sealed record Label(string Zh, string En)
{
    /// <summary>The word in a language (a tag such as <c>zh-CN</c> or <c>en</c>): Chinese unless English.</summary>
    public string In(string? language) =>
        language is not null && language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? En : Zh;
}

/// <summary>
/// The words people read for the domain's codes, in Chinese and English, in one place: every value of every public
/// enumeration of the domain (states, priorities, channels, stages, escalation levels, dismissal grounds, roles,
/// actions, assignment states, unit kinds, notice topics …) and every kind of timeline event (派遣 Dispatched,
/// 退单 Returned, 催办 Urged, 改类 Reclassified …). Pages and exports take their words from here (through the
/// reference data), never from their own lists.
/// </summary>
/// <remarks>
/// These words live in code, not in the catalog's data: the codes they name are code (an enumeration, an event
/// record), so a new code and its words arrive in one change, and a test over the assembly fails the build's tests
/// when a code has no words. The catalog's own entries (incident types, units, scenarios, streets) carry their words
/// in the catalog files, beside the data they name. The priority classes are named in both places, and a test keeps
/// the two the same.
/// </remarks>
public static class Labels
{
    private static readonly FrozenDictionary<Enum, Label> Words = new Dictionary<Enum, Label>
    {
        [IncidentState.Reported] = new("上报", "Reported"),
        [IncidentState.Filed] = new("立案", "Filed"),
        [IncidentState.Dismissed] = new("不予立案", "Dismissed"),
        [IncidentState.Dispatched] = new("派遣", "Dispatched"),
        [IncidentState.Returned] = new("退单", "Returned"),
        [IncidentState.Accepted] = new("签收", "Accepted"),
        [IncidentState.InProgress] = new("处置中", "In progress"),
        [IncidentState.Handled] = new("处置反馈", "Handled"),
        [IncidentState.UnderReview] = new("核查", "Under review"),
        [IncidentState.Closed] = new("结案", "Closed"),
        [IncidentState.Merged] = new("合并", "Merged"),

        [Priority.P1] = new("生命安全", "Life safety"),
        [Priority.P2] = new("紧急", "Urgent"),
        [Priority.P3] = new("一般", "Normal"),
        [Priority.P4] = new("行政类", "Administrative"),

        [Channel.IotSensor] = new("物联感知", "IoT sensor"),
        [Channel.AiCamera] = new("AI视频", "AI camera"),
        [Channel.Hotline] = new("12345热线", "12345 hotline"),
        [Channel.GridPatrol] = new("网格巡查", "Grid patrol"),
        [Channel.CitizenApp] = new("市民端", "Citizen app"),
        [Channel.ThirdParty] = new("第三方数据", "Third-party data"),
        [Channel.HigherLevel] = new("上级转办", "Referred from above"),
        [Channel.System] = new("系统", "System"),

        [Stage.Filing] = new("立案", "Filing"),
        [Stage.Dispatching] = new("派遣", "Dispatching"),
        [Stage.Accepting] = new("签收", "Accepting"),
        [Stage.Arriving] = new("到场", "Arriving"),
        [Stage.Handling] = new("处置", "Handling"),
        [Stage.Reviewing] = new("核查", "Reviewing"),

        [EscalationLevel.None] = new("无", "None"),
        [EscalationLevel.Warned] = new("预警", "Warned"),
        [EscalationLevel.Overdue] = new("逾期", "Overdue"),
        [EscalationLevel.ListedForSupervision] = new("挂牌督办", "Listed for supervision"),

        [DismissalGround.FalseAlarm] = new("误报", "False alarm"),
        [DismissalGround.Duplicate] = new("重复件", "Duplicate"),
        [DismissalGround.OutOfScope] = new("不属受理范围", "Out of scope"),

        [Role.System] = new("系统", "System"),
        [Role.Gateway] = new("网关", "Gateway"),
        [Role.Dispatcher] = new("调度员", "Dispatcher"),
        [Role.UnitStaff] = new("单位人员", "Unit staff"),
        [Role.Worker] = new("处置人员", "Field worker"),
        [Role.Reviewer] = new("核查员", "Reviewer"),
        [Role.Auditor] = new("审计员", "Auditor"),
        [Role.Administrator] = new("管理员", "Administrator"),
        [Role.Citizen] = new("市民", "Citizen"),

        [AssignmentState.Dispatched] = new("已派遣", "Dispatched"),
        [AssignmentState.Accepted] = new("已签收", "Accepted"),
        [AssignmentState.InProgress] = new("处置中", "In progress"),
        [AssignmentState.Handled] = new("已处置", "Handled"),

        [UnitKind.Hub] = new("城运中心", "Operations hub"),
        [UnitKind.Department] = new("职能部门", "Department"),
        [UnitKind.StreetOffice] = new("街镇", "Street office"),

        [IncidentAction.File] = new("立案", "File"),
        [IncidentAction.Dismiss] = new("不予立案", "Dismiss"),
        [IncidentAction.Merge] = new("合并", "Merge"),
        [IncidentAction.Dispatch] = new("派遣", "Dispatch"),
        [IncidentAction.Reclassify] = new("改类", "Reclassify"),
        [IncidentAction.Recall] = new("撤回", "Recall"),
        [IncidentAction.Redirect] = new("改派", "Redirect"),
        [IncidentAction.Urge] = new("催办", "Urge"),
        [IncidentAction.Extend] = new("延期", "Extend"),
        [IncidentAction.Defer] = new("挂账", "Defer"),
        [IncidentAction.Resume] = new("恢复办理", "Resume"),
        [IncidentAction.Approve] = new("核查通过", "Approve"),
        [IncidentAction.Rework] = new("返工", "Send back"),
        [IncidentAction.Reopen] = new("重启", "Reopen"),
        [IncidentAction.Note] = new("备注", "Add a note"),
        [IncidentAction.Accept] = new("签收", "Accept"),
        [IncidentAction.Return] = new("退单", "Return"),
        [IncidentAction.Arrive] = new("到场", "Arrive"),
        [IncidentAction.Submit] = new("提交反馈", "Submit result"),

        [RefusalKind.InvalidArgument] = new("填写有误", "Invalid input"),
        [RefusalKind.IllegalTransition] = new("当前状态不允许", "Not allowed in this state"),
        [RefusalKind.NotFound] = new("不存在", "Not found"),

        [AutoFiling.Never] = new("人工立案", "Filed by a dispatcher"),
        [AutoFiling.Always] = new("自动立案", "Files itself"),
        [AutoFiling.WhenConfident] = new("置信度达标自动立案", "Files itself when confident"),

        [ClockKind.Wall] = new("自然时间", "Wall clock"),
        [ClockKind.Working] = new("工作时间", "Working time"),

        [AllowanceUnit.Seconds] = new("秒", "seconds"),
        [AllowanceUnit.Minutes] = new("分钟", "minutes"),
        [AllowanceUnit.Hours] = new("小时", "hours"),
        [AllowanceUnit.Days] = new("天", "days"),
        [AllowanceUnit.WorkingHours] = new("工作小时", "working hours"),
        [AllowanceUnit.WorkingDays] = new("工作日", "working days"),

        [Disposition.NewIncident] = new("新建案件", "New incident"),
        [Disposition.Attached] = new("并入案件", "Joined an incident"),
        [Disposition.DuplicateReplay] = new("重复提交", "Repeated alert"),
        [Disposition.Suppressed] = new("已屏蔽", "Suppressed"),
        [Disposition.Rejected] = new("已拒收", "Rejected"),

        [AttachBasis.DedupKey] = new("同一去重键", "Same dedup key"),
        [AttachBasis.Cell] = new("同一网格", "Same grid cell"),

        [Permission.ReadIncidents] = new("查看案件", "Read incidents"),
        [Permission.Report] = new("上报", "Report"),
        [Permission.Triage] = new("立案研判", "Triage"),
        [Permission.Dispatch] = new("派遣", "Dispatch"),
        [Permission.ApproveDeadlines] = new("审批延期挂账", "Approve extensions and deferrals"),
        [Permission.Review] = new("核查", "Review"),
        [Permission.Handle] = new("处置", "Handle"),
        [Permission.Note] = new("备注", "Add notes"),
        [Permission.ReadFigures] = new("查看评效", "Read figures"),
        [Permission.ReadAccessLog] = new("查看访问日志", "Read the access log"),
        [Permission.Urge] = new("催办", "Urge"),
        [Permission.ManageRoster] = new("管理值班表", "Manage the duty roster"),

        [StaffRole.Worker] = new("处置人员", "Worker"),
        [StaffRole.DutyOfficer] = new("值班员", "Duty officer"),
        [StaffRole.UnitHead] = new("单位负责人", "Unit head"),

        [WorkerStatus.OnDutyFree] = new("在岗空闲", "On duty, free"),
        [WorkerStatus.Busy] = new("在岗忙碌", "On duty, busy"),
        [WorkerStatus.OffDuty] = new("离岗", "Off duty"),

        [PickBasis.OnDutyWorker] = new("在岗人员", "Worker on duty"),
        [PickBasis.DutyOfficer] = new("值班员兜底", "Duty officer (nobody on duty)"),

        [NoticeTopic.Dispatched] = new("新派遣任务", "New task"),
        [NoticeTopic.Recalled] = new("任务已撤回", "Task withdrawn"),
        [NoticeTopic.Redirected] = new("改派任务", "Task redirected to you"),
        [NoticeTopic.Rework] = new("返工", "Sent back for rework"),
        [NoticeTopic.DeadlineWarned] = new("即将超时", "Deadline near"),
        [NoticeTopic.DeadlineOverdue] = new("已超时", "Overdue"),
        [NoticeTopic.DeadlineListed] = new("挂牌督办", "Listed for supervision"),
        [NoticeTopic.Returned] = new("退单", "Returned"),
        [NoticeTopic.AcceptanceOverdue] = new("超时未签收", "Not accepted in time"),
        [NoticeTopic.Urged] = new("催办", "Urged"),
        [NoticeTopic.Reclassified] = new("改类", "Reclassified"),

        [NoticeRole.Assignee] = new("承办人", "Assignee"),
        [NoticeRole.DutyOfficer] = new("单位值班员", "Unit duty officer"),
        [NoticeRole.UnitHead] = new("单位负责人", "Unit head"),
        [NoticeRole.DistrictDutyLeader] = new("区城运中心值班长", "District duty leader"),
        [NoticeRole.Dispatchers] = new("调度员", "Dispatchers"),
        [NoticeRole.Reviewers] = new("核查员", "Reviewers"),
        [NoticeRole.User] = new("指定人员", "Named person"),

        [NoticeUrgency.Low] = new("低", "Low"),
        [NoticeUrgency.Normal] = new("一般", "Normal"),
        [NoticeUrgency.High] = new("紧急", "High"),
        [NoticeUrgency.Critical] = new("特急", "Critical"),

        [Dimension.Unit] = new("单位", "Unit"),
        [Dimension.Street] = new("街镇", "Street"),
        [Dimension.Scenario] = new("场景", "Scenario"),
        [Dimension.Channel] = new("渠道", "Channel"),
        [Dimension.Priority] = new("等级", "Priority"),

        [Grade.Green] = new("绿", "Green"),
        [Grade.Yellow] = new("黄", "Yellow"),
        [Grade.Red] = new("红", "Red"),
    }.ToFrozenDictionary();

    /// <summary>The kinds of timeline events by the name they are written with (their JSON discriminator).</summary>
    private static readonly FrozenDictionary<string, Label> EventWords = new Dictionary<string, Label>
    {
        ["reported"] = new("上报", "Reported"),
        ["filed"] = new("立案", "Filed"),
        ["dismissed"] = new("不予立案", "Dismissed"),
        ["dispatched"] = new("派遣", "Dispatched"),
        ["accepted"] = new("签收", "Accepted"),
        ["returned"] = new("退单", "Returned"),
        ["arrived"] = new("到场", "Arrived on site"),
        ["resultSubmitted"] = new("处置反馈", "Result submitted"),
        ["reviewStarted"] = new("进入核查", "Review started"),
        ["reworkRequested"] = new("返工", "Sent back for rework"),
        ["closed"] = new("结案", "Closed"),
        ["reopened"] = new("重启", "Reopened"),
        ["merged"] = new("合并", "Merged"),
        ["absorbed"] = new("并入", "Merged into this"),
        ["deadlineExtended"] = new("延期", "Deadline extended"),
        ["deferred"] = new("挂账", "Deferred"),
        ["resumed"] = new("恢复办理", "Resumed"),
        ["escalated"] = new("督办", "Escalated"),
        ["noteAdded"] = new("备注", "Note"),
        ["resolved"] = new("自动结案", "Resolved by itself"),
        ["reclassified"] = new("改类", "Reclassified"),
        ["recalled"] = new("撤回", "Recalled"),
        ["redirected"] = new("改派", "Redirected"),
        ["urged"] = new("催办", "Urged"),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<Type, string> EventKinds = typeof(IncidentEvent)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .ToFrozenDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    /// <summary>The words for an enumeration value of the domain.</summary>
    public static Label Of<T>(T value)
        where T : struct, Enum =>
        Words.TryGetValue(value, out var label)
            ? label
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name}.{value} has no words");

    /// <summary>The words for the kind of a timeline event: 派遣 Dispatched, 退单 Returned, 催办 Urged …</summary>
    public static Label Of(IncidentEvent e) => OfEventKind(EventKindOf(e));

    /// <summary>The words for an event kind as it is written (<c>dispatched</c>, <c>urged</c>).</summary>
    public static Label OfEventKind(string kind) =>
        EventWords.TryGetValue(kind, out var label)
            ? label
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an event kind");

    /// <summary>The kind an event is written with (its JSON discriminator), e.g. <c>reported</c>.</summary>
    public static string EventKindOf(IncidentEvent e) => EventKinds[e.GetType()];

    /// <summary>Every event kind as it is written.</summary>
    public static IEnumerable<string> EventKindNames => EventKinds.Values;

    /// <summary>An allowance in words: 2 工作日 / 2 working days, 30 分钟 / 30 minutes.</summary>
    public static Label Of(Allowance allowance) =>
        new($"{allowance.Amount} {Of(allowance.Unit).Zh}", $"{allowance.Amount} {Of(allowance.Unit).En}");

    /// <summary>
    /// Every vocabulary for reference data: its name (the enumeration's, camel-cased, and <c>eventKind</c>) → each code
    /// as it travels in JSON → its words.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, Label>> Vocabularies { get; } = Build();

    private static Dictionary<string, IReadOnlyDictionary<string, Label>> Build()
    {
        var all = Words
            .GroupBy(w => w.Key.GetType())
            .ToDictionary(
                g => char.ToLowerInvariant(g.Key.Name[0]) + g.Key.Name[1..],
                g =>
                    (IReadOnlyDictionary<string, Label>)
                        g.OrderBy(w => w.Key).ToDictionary(w => JsonName(w.Key), w => w.Value)
            );
        all["eventKind"] = EventWords;
        return all;
    }

    /// <summary>The name an enumeration value travels with in JSON.</summary>
    private static string JsonName(Enum value) =>
        value.GetType().GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? value.ToString();
}
