namespace Dispatch.Domain;

/// <summary>
/// The evaluation figures (一网评效) of a set of incidents: counts, rates and times of the closed loop, and a
/// composite score. Rates are fractions from 0 to 1, and null where their denominator is zero
/// (nothing to rate); times are wall-clock seconds from the report, null where no incident got that far.
/// </summary>
public sealed record Figures
{
    /// <summary>上报: the incidents in the set.</summary>
    public int Reported { get; init; }

    /// <summary>立案: incidents filed at least once.</summary>
    public int Filed { get; init; }

    /// <summary>不予立案: incidents whose filing decision stands as a dismissal.</summary>
    public int Dismissed { get; init; }

    /// <summary>合并: incidents merged into another.</summary>
    public int Merged { get; init; }

    /// <summary>立案率: Filed / (Filed + Dismissed), over the incidents a filing decision was made on.</summary>
    public double? FilingRate { get; init; }

    /// <summary>Incidents dispatched at least once.</summary>
    public int Dispatched { get; init; }

    /// <summary>Dispatch orders (派遣), a re-dispatch counting again.</summary>
    public int Dispatches { get; init; }

    /// <summary>退单: returns by the lead unit.</summary>
    public int Returned { get; init; }

    /// <summary>派遣准确率: 1 − Returned / Dispatches.</summary>
    public double? DispatchAccuracy { get; init; }

    /// <summary>按时立案率: incidents on time for filing / incidents whose filing was measured.</summary>
    public double? OnTimeFilingRate { get; init; }

    /// <summary>按时派遣率: incidents on time for dispatching / incidents whose dispatching was measured.</summary>
    public double? OnTimeDispatchRate { get; init; }

    /// <summary>按时签收率: incidents on time for accepting / incidents whose accepting was measured.</summary>
    public double? OnTimeAcceptanceRate { get; init; }

    /// <summary>
    /// 按时到场率: incidents on time for arriving / incidents whose arriving was measured (types with an arrival deadline).
    /// </summary>
    public double? OnTimeArrivalRate { get; init; }

    /// <summary>按期处置率: incidents on time for handling / incidents whose handling was measured.</summary>
    public double? OnTimeHandlingRate { get; init; }

    /// <summary>按时核查率: incidents on time for reviewing / incidents whose review was measured.</summary>
    public double? OnTimeReviewRate { get; init; }

    /// <summary>结案: incidents closed now (approved, or resolved by themselves).</summary>
    public int Closed { get; init; }

    /// <summary>结案率: filed incidents closed now / Filed.</summary>
    public double? ClosureRate { get; init; }

    /// <summary>按期结案: closed incidents none of whose stages was late.</summary>
    public int ClosedOnTime { get; init; }

    /// <summary>按期结案率: ClosedOnTime / Closed.</summary>
    public double? OnTimeClosureRate { get; init; }

    /// <summary>Incidents reopened at least once.</summary>
    public int Reopened { get; init; }

    /// <summary>Incidents whose result went to review (核查) at least once.</summary>
    public int Reviewed { get; init; }

    /// <summary>Incidents sent back for rework (返工) at least once.</summary>
    public int Reworked { get; init; }

    /// <summary>返工率: Reworked / Reviewed.</summary>
    public double? ReworkRate { get; init; }

    /// <summary>Filed incidents with at least one approved extension (延期).</summary>
    public int Extended { get; init; }

    /// <summary>延期率: Extended / Filed.</summary>
    public double? ExtensionRate { get; init; }

    /// <summary>挂账: incidents put on the register of deferred cases at least once.</summary>
    public int Deferred { get; init; }

    /// <summary>
    /// 复发: incidents (not dismissed, not merged) of the same type in the same street as an incident of the set that
    /// was closed at most 30 days before they were reported.
    /// </summary>
    public int Recurrences { get; init; }

    /// <summary>Incidents reported by devices (IoT sensors and AI cameras).</summary>
    public int DeviceReported { get; init; }

    /// <summary>误报: device-reported incidents dismissed as false alarms.</summary>
    public int FalseAlarms { get; init; }

    /// <summary>Device false-alarm rate: FalseAlarms / DeviceReported.</summary>
    public double? FalseAlarmRate { get; init; }

    /// <summary>逾期: incidents a deadline of which escalated to overdue or worse.</summary>
    public int Overdue { get; init; }

    /// <summary>挂牌督办: incidents a deadline of which reached 200 %.</summary>
    public int ListedForSupervision { get; init; }

    /// <summary>Seconds from report to first dispatch: median.</summary>
    public double? SecondsToDispatchP50 { get; init; }

    /// <summary>Seconds from report to first dispatch: 90th percentile.</summary>
    public double? SecondsToDispatchP90 { get; init; }

    /// <summary>Seconds from report to the lead unit's first acceptance: median.</summary>
    public double? SecondsToAcceptP50 { get; init; }

    /// <summary>Seconds from report to the lead unit's first acceptance: 90th percentile.</summary>
    public double? SecondsToAcceptP90 { get; init; }

    /// <summary>Seconds from report to the lead unit's first arrival on site: median.</summary>
    public double? SecondsToArriveP50 { get; init; }

    /// <summary>Seconds from report to the lead unit's first arrival on site: 90th percentile.</summary>
    public double? SecondsToArriveP90 { get; init; }

    /// <summary>Seconds from report to the first close: median.</summary>
    public double? SecondsToCloseP50 { get; init; }

    /// <summary>Seconds from report to the first close: 90th percentile.</summary>
    public double? SecondsToCloseP90 { get; init; }

    /// <summary>
    /// The composite score from 0 to 100 (see <see cref="Scorecard.ScoreOf"/>); null when no component can be rated.
    /// </summary>
    public double? Score { get; init; }
}
