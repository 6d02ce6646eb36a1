using Dispatch.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains;

/// <summary>
/// Sweeps one partition's deadline index: every <see cref="DeadlineOptions.SweepInterval"/> it asks the store for
/// the incidents whose next threshold is due and has each check its deadlines (the incident escalates each threshold
/// once, because its clocks record what they reached, and moves its index entry to the next threshold in the same
/// commit). One reminder per partition brings the sweeper back after a deactivation or a silo's death; its timer does
/// the sweeping while it is active.
/// </summary>
public sealed class DeadlineSweeperGrain(
    IIncidentStore store,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<DeadlineSweeperGrain> logger
) : Grain, IDeadlineSweeperGrain, IRemindable
{
    private const string KeepAlive = "sweep";

    /// <summary>Incidents asked at once; a sweep that finds more goes on at once.</summary>
    private const int Batch = 256;
    private bool _sweeping;

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(
            SweepQuietlyAsync,
            new GrainTimerCreationOptions(options.Value.SweepInterval, options.Value.SweepInterval) { KeepAlive = true }
        );
        return Task.CompletedTask;
    }

    public async Task StartAsync()
    {
        if (await this.GetReminder(KeepAlive) is null)
            await this.RegisterOrUpdateReminder(KeepAlive, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
    }

    // activation starts the timer
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    /// <summary>
    /// A timer's sweep: a failure (the store away, say) is the next tick's to retry, not an error to raise.
    /// </summary>
    private async Task SweepQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SweepAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(
                "Sweeping the deadlines of partition {Partition} failed ({Error}); the next tick tries again",
                Partition,
                e.Message
            );
        }
    }

    public async Task<int> SweepAsync()
    {
        if (_sweeping)
            return 0;
        _sweeping = true;
        var total = 0;
        try
        {
            while (true)
            {
                var due = await store.DueAsync(Partition, time.GetUtcNow(), Batch);
                total += due.Count;
                await Task.WhenAll(due.Select(CheckAsync));
                if (due.Count < Batch)
                    return total;
            }
        }
        finally
        {
            _sweeping = false;
        }
    }

    private async Task CheckAsync(string number)
    {
        try
        {
            await GrainFactory.Grain<IIncidentGrain>(number).CheckDeadlinesAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // It stays due in the index, so the next sweep asks again.
            logger.LogWarning(
                e,
                "Incident {Incident} could not check its deadlines; the next sweep asks again",
                number
            );
        }
    }
}
