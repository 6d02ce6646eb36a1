namespace Dispatch.Grains;

/// <summary>How deadline reminders are registered.</summary>
public sealed class DeadlineOptions
{
    /// <summary>
    /// The period of a deadline reminder. A reminder fires at the next threshold and is then moved to the one
    /// after; the period only matters if a tick is missed. It may not be below Orleans' minimum reminder period.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
