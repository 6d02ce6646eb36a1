using Microsoft.Extensions.Options;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// Every <see cref="NotificationOptions.SweepInterval"/>, takes from each partition the webhook deliveries due again
/// (failed ones whose wait is over, claimed ones whose claimant's lease ran out) and the notices whose
/// acknowledgement limit passed, each claimed by lease (<see cref="NotificationStore.ClaimDueAsync"/>), and hands them
/// to <see cref="NoticeDelivery"/>. Any number of instances sweep at once: an entry goes to one of them at a time,
/// and what they do with it is idempotent.
/// </summary>
public sealed class NotificationSweeper(
    NotificationStore store,
    NoticeDelivery delivery,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<NotificationSweeper> logger
) : BackgroundService
{
    private const int Batch = 64;

    private long _lastSweep;

    /// <summary>
    /// The time as of which the last complete sweep looked for due entries in every partition (for tests).
    /// </summary>
    public DateTimeOffset LastSweep => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _lastSweep));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keys = store.Keys;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var lease = options.Value.Lease;
            try
            {
                foreach (var partition in keys.Partitions.All)
                {
                    var retries = await store.ClaimDueAsync(keys.Outbox(partition), now, lease, Batch);
                    await EachAsync(retries, delivery.RetryAsync, "retrying delivery", stoppingToken);
                    var escalations = await store.ClaimDueAsync(keys.Escalations(partition), now, lease, Batch);
                    await EachAsync(escalations, delivery.EscalateAsync, "escalating notice", stoppingToken);
                }
                Interlocked.Exchange(ref _lastSweep, now.ToUnixTimeMilliseconds());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // What was claimed and not finished comes back when its lease runs out.
                logger.LogWarning(e, "Sweeping notification retries and escalations failed; trying again");
            }
            try
            {
                await Task.Delay(options.Value.SweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private Task EachAsync(
        IReadOnlyList<DueEntry> entries,
        Func<DueEntry, Task> handle,
        string what,
        CancellationToken cancellationToken
    ) =>
        Parallel.ForEachAsync(
            entries,
            cancellationToken,
            async (entry, _) =>
            {
                try
                {
                    await handle(entry);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Claimed by lease: it comes back when the lease runs out.
                    logger.LogWarning(e, "{What} {Id} of incident {Incident} failed", what, entry.Id, entry.Incident);
                }
            }
        );
}
