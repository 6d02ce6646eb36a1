using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class CalendarTests
{
    private static readonly WorkingCalendar Calendar = Desk.Catalog.Calendar;

    private static DateTimeOffset Shanghai(int y, int mo, int d, int h, int mi = 0) =>
        new(y, mo, d, h, mi, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Working_hours_run_on_to_the_next_morning_across_the_night()
    {
        // Monday 16:30 + 2 working hours: one hour on Monday, one on Tuesday from 09:00.
        Assert.Equal(Shanghai(2026, 11, 24, 10), Calendar.Add(Shanghai(2026, 11, 23, 16, 30), TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_working_day_started_on_friday_afternoon_ends_on_monday_afternoon()
    {
        Assert.Equal(Shanghai(2026, 11, 30, 15), Calendar.Add(Shanghai(2026, 11, 27, 15), Calendar.WorkingDay));
    }

    [Fact]
    public void Work_reported_at_night_starts_counting_at_nine()
    {
        Assert.Equal(Shanghai(2026, 11, 24, 9, 30), Calendar.Add(Shanghai(2026, 11, 23, 22), TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void Holidays_are_skipped_and_make_up_working_days_count()
    {
        // Wednesday 30 September 2026, 17:00 + 1 working hour: National Day holidays 1–7 October; Saturday
        // 10 October is a make-up day.
        Assert.Equal(Shanghai(2026, 10, 8, 9, 30), Calendar.Add(Shanghai(2026, 9, 30, 17), TimeSpan.FromHours(1)));
        Assert.False(Calendar.IsWorkingDay(new DateOnly(2026, 10, 5)));
        Assert.True(Calendar.IsWorkingDay(new DateOnly(2026, 10, 10)));
        Assert.False(Calendar.IsWorkingDay(new DateOnly(2026, 10, 11)));
    }

    [Fact]
    public void Working_time_between_two_instants_skips_nights_weekends_and_holidays()
    {
        Assert.Equal(
            TimeSpan.FromHours(2),
            Calendar.Between(Shanghai(2026, 11, 27, 16, 30), Shanghai(2026, 11, 30, 10))
        );
        Assert.Equal(TimeSpan.FromHours(8.5) * 4, Calendar.Between(Shanghai(2026, 9, 28, 0), Shanghai(2026, 10, 9, 0)));
        Assert.Equal(TimeSpan.Zero, Calendar.Between(Shanghai(2026, 11, 28, 9), Shanghai(2026, 11, 28, 17)));
    }

    [Fact]
    public void Adding_and_measuring_agree()
    {
        var start = Shanghai(2026, 12, 31, 14, 7);
        foreach (var hours in new[] { 0.5, 3, 8.5, 20, 70 })
        {
            var end = Calendar.Add(start, TimeSpan.FromHours(hours));
            Assert.Equal(TimeSpan.FromHours(hours), Calendar.Between(start, end));
        }
    }
}

public class StageClockTests
{
    private static readonly WorkingCalendar Calendar = Desk.Catalog.Calendar;
    private static readonly DateTimeOffset Monday10 = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Wall_clock_thresholds_fall_at_80_100_and_200_percent()
    {
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Wall, TimeSpan.FromHours(2)),
            Monday10
        );
        Assert.Equal((Monday10.AddMinutes(96), EscalationLevel.Warned), clock.NextThreshold(Calendar));
        Assert.Equal(Monday10.AddHours(2), clock.DueAt(Calendar));
        Assert.Equal(
            [EscalationLevel.Warned, EscalationLevel.Overdue],
            clock.ThresholdsPassed(Monday10.AddHours(3), Calendar)
        );
        Assert.Equal(
            [EscalationLevel.Warned, EscalationLevel.Overdue, EscalationLevel.ListedForSupervision],
            clock.ThresholdsPassed(Monday10.AddHours(4), Calendar)
        );
        var warned = clock with { Reached = EscalationLevel.Warned };
        Assert.Equal((Monday10.AddHours(2), EscalationLevel.Overdue), warned.NextThreshold(Calendar));
        Assert.Null((clock with { Reached = EscalationLevel.ListedForSupervision }).NextThreshold(Calendar));
    }

    [Fact]
    public void Working_time_clock_runs_only_in_working_hours()
    {
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Working, Calendar.WorkingDay),
            new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.FromHours(8))
        );
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 15, 0, 0, TimeSpan.FromHours(8)), clock.DueAt(Calendar));
    }

    [Fact]
    public void Deferral_pauses_the_clock_and_resuming_shifts_the_deadline_by_the_pause()
    {
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Wall, TimeSpan.FromHours(4)),
            Monday10
        );
        var paused = clock.Pause(clock.Elapsed(Monday10.AddHours(1), Calendar));
        Assert.True(paused.IsPaused);
        Assert.Null(paused.DueAt(Calendar));
        Assert.Null(paused.NextThreshold(Calendar));
        Assert.Empty(paused.ThresholdsPassed(Monday10.AddDays(3), Calendar));
        var resumed = paused.Resume(Monday10.AddHours(25));
        Assert.Equal(Monday10.AddHours(28), resumed.DueAt(Calendar));
    }

    [Fact]
    public void Working_clock_paused_over_a_weekend_keeps_its_remaining_working_time()
    {
        var friday = new DateTimeOffset(2026, 11, 27, 16, 30, 0, TimeSpan.FromHours(8));
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Working, TimeSpan.FromHours(3)),
            friday
        );
        var paused = clock.Pause(clock.Elapsed(friday.AddHours(1), Calendar)); // 1 working hour used
        var resumed = paused.Resume(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8)));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.FromHours(8)), resumed.DueAt(Calendar));
    }

    [Fact]
    public void Extension_moves_the_deadline()
    {
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Wall, TimeSpan.FromHours(2)),
            Monday10
        );
        Assert.Equal(Monday10.AddHours(5), clock.Extend(TimeSpan.FromHours(3), EscalationLevel.None).DueAt(Calendar));
    }

    [Fact]
    public void An_extension_after_the_deadline_lets_the_moved_deadline_fall_overdue_again()
    {
        var clock = StageClock.Start(
            Stage.Handling,
            new TimeAllotment(ClockKind.Wall, TimeSpan.FromHours(2)),
            Monday10
        ) with
        {
            Reached = EscalationLevel.Overdue,
        };
        var at = Monday10.AddHours(2.5);
        Assert.Equal(EscalationLevel.None, clock.ReachedIfExtended(TimeSpan.FromHours(2), at, Calendar));
        Assert.Equal(EscalationLevel.Warned, clock.ReachedIfExtended(TimeSpan.FromMinutes(40), at, Calendar));
        var extended = clock.Extend(TimeSpan.FromHours(2), EscalationLevel.None);
        Assert.Equal((Monday10.AddHours(3.2), EscalationLevel.Warned), extended.NextThreshold(Calendar));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("2wh", 7200)]
    [InlineData("1wd", 30600)]
    public void Allowances_parse_into_their_length(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Allowance.Parse(text).Length(Desk.Catalog.Calendar.WorkingDay));
        Assert.Equal(text, Allowance.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("15")]
    [InlineData("-2h")]
    [InlineData("0m")]
    [InlineData("2 weeks")]
    public void Malformed_allowances_are_refused(string text) => Assert.False(Allowance.TryParse(text, out _));
}
