namespace Dispatch.Domain;

/// <summary>
/// The district's working calendar (Asia/Shanghai, Mon–Fri 09:00–17:30 by default): public holidays are off,
/// make-up working days (调休) on weekends are on. Working-time deadlines are counted in it.
/// </summary>
public sealed class WorkingCalendar
{
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _workingWeekendDays;
    private readonly HashSet<DayOfWeek> _weekend;

    public WorkingCalendar(
        TimeZoneInfo timeZone,
        TimeOnly workdayStart,
        TimeOnly workdayEnd,
        IEnumerable<DayOfWeek> weekend,
        IEnumerable<DateOnly> holidays,
        IEnumerable<DateOnly> workingWeekendDays
    )
    {
        if (workdayEnd <= workdayStart)
            throw new ArgumentException(
                $"the working day must end after it starts ({workdayStart}–{workdayEnd})",
                nameof(workdayEnd)
            );
        TimeZone = timeZone;
        WorkdayStart = workdayStart;
        WorkdayEnd = workdayEnd;
        _weekend = [.. weekend];
        _holidays = [.. holidays];
        _workingWeekendDays = [.. workingWeekendDays];
    }

    public TimeZoneInfo TimeZone { get; }
    public TimeOnly WorkdayStart { get; }
    public TimeOnly WorkdayEnd { get; }

    /// <summary>The working time of one full working day (8.5 h for 09:00–17:30).</summary>
    public TimeSpan WorkingDay => WorkdayEnd - WorkdayStart;

    /// <summary>
    /// The time zone of <paramref name="id"/>. Shanghai has no daylight saving, so where the system lacks zone
    /// data (a slim container) UTC+8 is exact for it; any other unknown zone is refused.
    /// </summary>
    public static TimeZoneInfo? FindZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone
        : id == "Asia/Shanghai" ? TimeZoneInfo.CreateCustomTimeZone(id, TimeSpan.FromHours(8), id, id)
        : null;

    /// <summary>How far ahead a deadline may be counted before the calendar is taken to have no working days.</summary>
    private const int SearchDays = 3660;

    public bool IsWorkingDay(DateOnly day) =>
        _workingWeekendDays.Contains(day) || (!_holidays.Contains(day) && !_weekend.Contains(day.DayOfWeek));

    public DateTime ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;

    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant));

    private DateTimeOffset FromLocal(DateTime local) =>
        new(local, TimeZone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified)));

    /// <summary>
    /// The instant when <paramref name="workingTime"/> of working time has passed after <paramref name="start"/>.
    /// </summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan workingTime)
    {
        if (workingTime < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(workingTime), "working time cannot be negative");
        if (workingTime == TimeSpan.Zero)
            return start;
        var cursor = ToLocal(start);
        var left = workingTime;
        for (var days = 0; ; days++)
        {
            if (days > SearchDays)
                throw new InvalidOperationException(
                    $"no {workingTime} of working time in the {SearchDays} days "
                        + $"after {start:O}: the calendar has no working days"
                );
            var day = DateOnly.FromDateTime(cursor);
            if (IsWorkingDay(day))
            {
                var (open, close) = Window(day);
                if (cursor < open)
                    cursor = open;
                if (cursor < close)
                {
                    var available = close - cursor;
                    if (left <= available)
                        return FromLocal(cursor + left);
                    left -= available;
                }
            }
            cursor = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        }
    }

    /// <summary>
    /// The working time that lies between two instants (zero when <paramref name="to"/> is not after
    /// <paramref name="from"/>).
    /// </summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
            return TimeSpan.Zero;
        var start = ToLocal(from);
        var end = ToLocal(to);
        var total = TimeSpan.Zero;
        for (var day = DateOnly.FromDateTime(start); day <= DateOnly.FromDateTime(end); day = day.AddDays(1))
        {
            if (!IsWorkingDay(day))
                continue;
            var (open, close) = Window(day);
            var overlap = Min(close, end) - Max(open, start);
            if (overlap > TimeSpan.Zero)
                total += overlap;
        }
        return total;
    }

    /// <summary>The instant <paramref name="length"/> after <paramref name="start"/> in the given measure.</summary>
    public DateTimeOffset Advance(DateTimeOffset start, ClockKind kind, TimeSpan length) =>
        kind == ClockKind.Wall ? start + length : Add(start, length);

    /// <summary>The time between two instants in the given measure.</summary>
    public TimeSpan Measure(DateTimeOffset from, DateTimeOffset to, ClockKind kind) =>
        kind == ClockKind.Wall ? (to > from ? to - from : TimeSpan.Zero) : Between(from, to);

    private (DateTime Open, DateTime Close) Window(DateOnly day) =>
        (day.ToDateTime(WorkdayStart), day.ToDateTime(WorkdayEnd));

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
