namespace Dispatch.Abstractions;

/// <summary>
/// Watches the deadlines of one partition's incidents (keyed by the partition's index): it looks up the incidents
/// whose next threshold (80 %, 100 %, 200 % of a running deadline) is due and has each check its deadlines. One
/// Orleans reminder per partition keeps it alive, so the number of reminders does not grow with open incidents.
/// </summary>
[Alias("Dispatch.IDeadlineSweeperGrain")]
public interface IDeadlineSweeperGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes sure the sweeper runs (registers its reminder); every silo calls it for every partition at start.
    /// </summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Sweeps once now; returns how many incidents were due.</summary>
    [Alias("Sweep")]
    Task<int> SweepAsync();
}
