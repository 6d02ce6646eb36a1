namespace Dispatch.Grains;

/// <summary>How deadlines are watched (section <c>Deadlines</c>).</summary>
public sealed class DeadlineOptions
{
    /// <summary>
    /// How often each partition's sweeper looks for due thresholds: the most a warning can come late.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The period of the one reminder per partition that brings its sweeper back after a deactivation or a silo's
    /// death. It may not be below Orleans' minimum reminder period.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
