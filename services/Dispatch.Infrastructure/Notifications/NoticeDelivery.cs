using Dispatch.Domain;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// Delivers notices, once per channel and target, whichever instance does it and however often it is asked to:
/// <list type="number">
/// <item>A notice is <b>recorded</b> first, by its key (<see cref="NotificationStore.RecordNoticeAsync"/>), with the
/// people its role names then; a second recording finds the first, so a replay tells the same people. A notice that
/// escalates enters its partition's escalation set in the same transaction.</item>
/// <item><b>In-app</b>: the person's inbox adds the notice by its id or finds it there (one script), then the
/// delivery record says Sent, at the time the inbox stored it. A crash between the two repeats only the finding.</item>
/// <item><b>Webhooks</b>: the delivery record is the claim. Creating it (Queued, claimed by this instance until its
/// lease ends) succeeds for one instance only, in one transaction with its outbox entry, due at the lease's end; only
/// the claimant sends. A success marks it Sent and takes it out of the outbox; a failure marks it Failed and
/// reschedules it (backoff doubling per round), or gives up after the last round or on a refusal no retry mends. An
/// instance that dies mid-send leaves a Queued record whose outbox entry falls due when the lease ends; any
/// sweeper then claims it again (the lease has run out) and sends it. The one case that can reach a webhook twice
/// is a death after the webhook answered and before the record said so; the repeat carries the same
/// <c>X-Dispatch-Delivery</c> id for the receiver to drop.</item>
/// <item><b>Escalation</b>: a notice that stays unacknowledged past its limit is claimed from the escalation set by
/// lease, like the outbox; it goes to the next in the chain as a notice of its own (its key is the first's plus the
/// next recipient, so it is recorded, and so sent, once however many sweepers try), the first notice records where it
/// went and leaves the set. The escalated notice escalates in turn, up to the chain's top.</item>
/// <item><b>Acknowledgement</b> by anyone a notice reached marks it, and every notice of its escalation chain,
/// acknowledged, takes them out of the escalation set, and marks their sent deliveries Acknowledged. Some events
/// settle notices the same way (<see cref="SettleAsync"/>): the unit accepting the task it was told of, the incident
/// closing.</item>
/// </list>
/// Webhook sends run in the background, a bounded number at once, so that a slow receiver holds up neither the event
/// stream nor the in-app notices.
/// </summary>
public sealed class NoticeDelivery(
    NotificationStore store,
    Inbox inbox,
    RecipientResolver recipients,
    WebhookSender webhooks,
    NotificationPolicy policy,
    Catalog catalog,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<NoticeDelivery> logger
) : IHostedService
{
    private const int MaxConcurrentSends = 64;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentSends);
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;

    /// <summary>This instance, as it signs its claims.</summary>
    public string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private NotificationOptions Options => options.Value;
    private NotificationKeys Keys => store.Keys;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops taking up sends and waits a little for those under way; the rest fall to the outbox.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        var until = clock.GetUtcNow() + TimeSpan.FromSeconds(5);
        while (
            Volatile.Read(ref _inFlight) > 0 && clock.GetUtcNow() < until && !cancellationToken.IsCancellationRequested
        )
            await Task.Delay(20, CancellationToken.None);
    }

    /// <summary>Delivers a notice that an event of <paramref name="incident"/> (as the event left it) caused.</summary>
    public async Task DeliverAsync(Notice notice, Incident incident, DateTimeOffset eventAt)
    {
        var state = await RecordAsync(notice.Key, notice, NoticeSubject.Of(incident), eventAt, eventAt, from: null);
        await SendAsync(state);
    }

    private async Task<NoticeState> RecordAsync(
        string key,
        Notice notice,
        NoticeSubject subject,
        DateTimeOffset eventAt,
        DateTimeOffset at,
        NoticeState? from
    )
    {
        var id = NoticeIds.Notice(key);
        if (await store.NoticeAsync(subject.Number, id) is { } known)
            return known;
        var now = clock.GetUtcNow();
        var people = await recipients.PeopleAsync(notice.To, at);
        var escalateAt =
            notice.EscalateAfter is { } limit && policy.NextInChain(notice.To) is not null
                ? now + limit
                : (DateTimeOffset?)null;
        return await store.RecordNoticeAsync(
            new NoticeState(id, key, notice, subject, people, eventAt, now, escalateAt)
            {
                EscalatedFrom = from?.Id,
                EscalatedFromRecipient = from?.Notice.To,
            }
        );
    }

    private async Task SendAsync(NoticeState state)
    {
        foreach (var person in state.People)
            await DeliverInAppAsync(state, person);
        if (state.People.Count == 0)
            await RecordNobodyAsync(state);
        foreach (var hook in Options.Webhooks.Where(h => h.Wants(state.Notice)))
        {
            var id = NoticeIds.Webhook(state.Key, hook.Name);
            if (
                await ClaimAsync(
                    state.Subject.Number,
                    id,
                    () => Record(state, id, DeliveryChannel.Webhook, hook.Name)
                ) is
                { } claimed
            )
                await StartSendAsync(state, hook, claimed);
        }
    }

    private DeliveryRecord Record(
        NoticeState state,
        string id,
        DeliveryChannel channel,
        string target,
        DeliveryStatus status = DeliveryStatus.Queued
    ) =>
        new(
            id,
            state.Subject.Number,
            state.Id,
            state.Notice.Topic,
            state.Notice.Urgency,
            state.Notice.To,
            channel,
            target,
            status,
            state.EventAt,
            clock.GetUtcNow()
        )
        {
            EscalatedFrom = state.EscalatedFrom,
        };

    private async Task DeliverInAppAsync(NoticeState state, string person)
    {
        var number = state.Subject.Number;
        var id = NoticeIds.InApp(state.Key, person);
        if (await store.DeliveryAsync(number, id) is { IsSettled: true })
            return;
        var notice = state.Notice;
        // A notice acknowledged before this copy arrives (a replay, a slow escalation) arrives acknowledged.
        var (stored, _) = await inbox.AddAsync(
            new InboxNotice(
                id,
                person,
                state.Id,
                number,
                notice.Topic,
                notice.Urgency,
                notice.To,
                notice.Unit,
                notice.Stage,
                NoticeWords.Of(state, catalog),
                state.EventAt,
                clock.GetUtcNow(),
                state.EscalateAt is not null,
                state.EscalatedFromRecipient
            )
            {
                AcknowledgedAt = state.AcknowledgedAt,
                AcknowledgedBy = state.AcknowledgedBy,
            }
        );
        var (record, changed) = await store.UpdateDeliveryAsync(
            number,
            id,
            r =>
                r?.IsSettled == true
                    ? null
                    : Record(
                        state,
                        id,
                        DeliveryChannel.InApp,
                        person,
                        state.IsAcknowledged ? DeliveryStatus.Acknowledged : DeliveryStatus.Sent
                    ) with
                    {
                        QueuedAt = stored.DeliveredAt,
                        SentAt = stored.DeliveredAt,
                        Rounds = 1,
                        AcknowledgedAt = state.AcknowledgedAt,
                        AcknowledgedBy = state.AcknowledgedBy,
                    }
        );
        if (changed && record is not null)
            NotificationTelemetry.Delivered(record);
    }

    private Task RecordNobodyAsync(NoticeState state)
    {
        var id = NoticeIds.InApp(state.Key, "");
        return store.UpdateDeliveryAsync(
            state.Subject.Number,
            id,
            r =>
                r is not null
                    ? null
                    : Record(state, id, DeliveryChannel.InApp, state.Notice.To.ToString(), DeliveryStatus.Failed) with
                    {
                        Failure = DeliveryFailure.NoRecipient,
                        Rounds = 1,
                        Error = $"{state.Notice.To} names nobody on the roster or in the user directory",
                    }
        );
    }

    /// <summary>
    /// Claims a webhook delivery for this instance: creates its record, or takes over one that is neither settled
    /// nor held under a running lease; schedules its outbox entry at the lease's end in the same transaction. Null
    /// when the delivery is settled or someone else holds it.
    /// </summary>
    private async Task<DeliveryRecord?> ClaimAsync(string number, string id, Func<DeliveryRecord> create)
    {
        var now = clock.GetUtcNow();
        var until = now + Options.Lease;
        var (record, changed) = await store.UpdateDeliveryAsync(
            number,
            id,
            r =>
                r switch
                {
                    null => create() with { Claimant = Instance, LeaseUntil = until },
                    { IsSettled: true } => null,
                    { LeaseUntil: { } lease } when lease > now => null,
                    _ => r with { Status = DeliveryStatus.Queued, Claimant = Instance, LeaseUntil = until },
                },
            (tx, _) => NotificationStore.Schedule(tx, Keys.Outbox(number), new DueEntry(number, id), until)
        );
        return changed ? record : null;
    }

    private async Task StartSendAsync(NoticeState state, WebhookOptions hook, DeliveryRecord claimed)
    {
        await _slots.WaitAsync(_stopping.Token);
        Interlocked.Increment(ref _inFlight);
        _ = Task.Run(async () =>
        {
            try
            {
                await SendClaimedAsync(state, hook, claimed, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping: the record stays claimed until its lease ends, then the outbox brings it back.
            }
            catch (Exception e)
            {
                logger.LogWarning(
                    e,
                    "Delivery {Delivery} of incident {Incident} to webhook {Webhook} failed; "
                        + "the outbox takes it up again",
                    claimed.Id,
                    claimed.Incident,
                    hook.Name
                );
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                _slots.Release();
            }
        });
    }

    private async Task SendClaimedAsync(
        NoticeState state,
        WebhookOptions hook,
        DeliveryRecord claimed,
        CancellationToken cancellationToken
    )
    {
        using var activity = NotificationTelemetry.Source.StartActivity("send webhook");
        activity?.SetTag("dispatch.incident", claimed.Incident);
        activity?.SetTag("dispatch.webhook", hook.Name);
        var outcome = await webhooks.SendAsync(hook, state, claimed.Id, cancellationToken);
        var now = clock.GetUtcNow();
        var number = claimed.Incident;
        var entry = new DueEntry(number, claimed.Id);
        var outbox = Keys.Outbox(number);
        if (outcome.Delivered)
        {
            var (record, changed) = await store.UpdateDeliveryAsync(
                number,
                claimed.Id,
                r =>
                    r is null || r.Status is DeliveryStatus.Sent or DeliveryStatus.Acknowledged
                        ? null
                        : r with
                        {
                            Status = DeliveryStatus.Sent,
                            SentAt = now,
                            Calls = r.Calls + outcome.Calls,
                            Rounds = r.Rounds + 1,
                            Failure = null,
                            Error = null,
                            NextAttemptAt = null,
                            Claimant = null,
                            LeaseUntil = null,
                        },
                (tx, _) => NotificationStore.Unschedule(tx, outbox, entry)
            );
            if (changed && record is not null)
                NotificationTelemetry.Delivered(record);
            return;
        }
        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Error);
        logger.LogInformation(
            "Delivery {Delivery} of incident {Incident} to webhook {Webhook} failed ({Failure}): {Error}",
            claimed.Id,
            number,
            hook.Name,
            outcome.Failure,
            outcome.Error
        );
        await store.UpdateDeliveryAsync(
            number,
            claimed.Id,
            r =>
            {
                // Someone else took the claim over meanwhile (this send outlived its lease): theirs is the word.
                if (r is null || r.IsSettled || r.Claimant != Instance)
                    return null;
                var rounds = r.Rounds + 1;
                var next = outcome.Final || rounds >= Options.MaxRounds ? (DateTimeOffset?)null : now + Backoff(rounds);
                return r with
                {
                    Status = DeliveryStatus.Failed,
                    Calls = r.Calls + outcome.Calls,
                    Rounds = rounds,
                    Failure = outcome.Failure,
                    Error = outcome.Error,
                    NextAttemptAt = next,
                    Claimant = null,
                    LeaseUntil = next,
                };
            },
            (tx, r) =>
            {
                if (r.NextAttemptAt is { } at)
                    NotificationStore.Schedule(tx, outbox, entry, at);
                else
                    NotificationStore.Unschedule(tx, outbox, entry);
            }
        );
    }

    private TimeSpan Backoff(int rounds) =>
        TimeSpan.FromTicks(
            Math.Min(Options.MaxRetryAfter.Ticks, Options.RetryAfter.Ticks * (1L << Math.Min(rounds - 1, 20)))
        );

    /// <summary>
    /// Takes up a webhook delivery the outbox brought back: a failed one due again, or one whose claimant died.
    /// </summary>
    public async Task RetryAsync(DueEntry entry)
    {
        var outbox = Keys.Outbox(entry.Incident);
        var record = await store.DeliveryAsync(entry.Incident, entry.Id);
        if (record is null || record.IsSettled || record.Channel != DeliveryChannel.Webhook)
        {
            await store.UnscheduleAsync(outbox, entry);
            return;
        }
        var hook = Options.Webhooks.FirstOrDefault(h => h.Name == record.Target);
        var state = await store.NoticeAsync(entry.Incident, record.Notice);
        if (hook is null || state is null)
        {
            await store.UpdateDeliveryAsync(
                entry.Incident,
                entry.Id,
                r =>
                    r is null || r.IsSettled
                        ? null
                        : r with
                        {
                            Status = DeliveryStatus.Failed,
                            Failure = DeliveryFailure.Unconfigured,
                            NextAttemptAt = null,
                            Error = $"webhook '{record.Target}' is no longer configured",
                            Claimant = null,
                            LeaseUntil = null,
                        },
                (tx, _) => NotificationStore.Unschedule(tx, outbox, entry)
            );
            return;
        }
        if (await ClaimAsync(entry.Incident, entry.Id, () => record) is { } claimed)
            await StartSendAsync(state, hook, claimed);
    }

    /// <summary>
    /// Escalates a notice the escalation set brought back: unless it was acknowledged (or escalated) meanwhile, it goes
    /// to the next in the chain as a notice of its own; the escalation is recorded, and the notice leaves the set.
    /// </summary>
    public async Task EscalateAsync(DueEntry entry)
    {
        var number = entry.Incident;
        var set = Keys.Escalations(number);
        var state = await store.NoticeAsync(number, entry.Id);
        var next = state is null ? null : policy.NextInChain(state.Notice.To);
        if (state is null || state.IsAcknowledged || state.EscalatedTo is not null || next is null)
        {
            await store.UnscheduleAsync(set, entry);
            return;
        }
        var now = clock.GetUtcNow();
        var escalated = await RecordAsync(
            NoticeIds.Escalated(state.Key, next),
            state.Notice with
            {
                To = next,
            },
            state.Subject,
            state.EventAt,
            now,
            from: state
        );
        await SendAsync(escalated);
        var id = NoticeIds.Escalation(state.Key);
        await store.UpdateDeliveryAsync(
            number,
            id,
            r =>
                r is not null
                    ? null
                    : Record(state, id, DeliveryChannel.Escalation, next.ToString(), DeliveryStatus.Sent) with
                    {
                        SentAt = now,
                        Rounds = 1,
                    }
        );
        await store.UpdateNoticeAsync(
            number,
            state.Id,
            s => s.EscalatedTo is not null ? null : s with { EscalatedTo = escalated.Id, EscalatedAt = now },
            (tx, _) => NotificationStore.Unschedule(tx, set, entry)
        );
        await store.UnscheduleAsync(set, entry);
        NotificationTelemetry.Escalated(state);
    }

    /// <summary>
    /// <paramref name="user"/> acknowledges one of their notices (by its in-app id): their copy is read and
    /// acknowledged, and so is the notice with its whole escalation chain (see the class remarks). Null when the
    /// user has no notice of that id; acknowledging again changes nothing.
    /// </summary>
    public async Task<InboxNotice?> AcknowledgeAsync(string user, string id)
    {
        var now = clock.GetUtcNow();
        var mine = await inbox.UpdateAsync(
            user,
            id,
            n =>
                n.Read && n.AcknowledgedAt is not null
                    ? null
                    : n with
                    {
                        Read = true,
                        AcknowledgedAt = n.AcknowledgedAt ?? now,
                        AcknowledgedBy = n.AcknowledgedBy ?? user,
                    }
        );
        if (mine is null)
            return null;
        foreach (var state in await ChainAsync(mine.Incident, mine.Notice))
            await AcknowledgeNoticeAsync(state, user, now);
        return mine;
    }

    /// <summary>
    /// What an event says of the notices already sent about its incident: a unit that accepts its assignment has the
    /// task in hand, so the notices that gave or moved the task to it stop escalating; an incident no longer open
    /// leaves nothing to escalate. Either counts as an acknowledgement by the event's actor.
    /// </summary>
    public async Task SettleAsync(IncidentEvent e, Incident after)
    {
        Func<NoticeState, bool>? settled = e switch
        {
            AssignmentAccepted a => s =>
                s.Notice.Unit == a.Unit && s.Notice.Topic is NoticeTopic.Dispatched or NoticeTopic.Redirected,
            _ when !after.IsOpen => _ => true,
            _ => null,
        };
        if (settled is null)
            return;
        foreach (
            var state in (await store.NoticesAsync(after.Number)).Where(s =>
                s.EscalateAt is not null && !s.IsAcknowledged && settled(s)
            )
        )
            await AcknowledgeNoticeAsync(state, e.Actor.UserId, e.At);
    }

    /// <summary>The escalation chain a notice is part of, first to last (empty when there is no such notice).</summary>
    private async Task<IReadOnlyList<NoticeState>> ChainAsync(string number, string noticeId)
    {
        const int longest = 16;
        if (await store.NoticeAsync(number, noticeId) is not { } self)
            return [];
        var chain = new List<NoticeState> { self };
        var up = self;
        while (chain.Count < longest && up.EscalatedFrom is { } from && await store.NoticeAsync(number, from) is { } u)
            chain.Insert(0, up = u);
        var down = self;
        while (chain.Count < longest && down.EscalatedTo is { } to && await store.NoticeAsync(number, to) is { } d)
            chain.Add(down = d);
        return chain;
    }

    private async Task AcknowledgeNoticeAsync(NoticeState state, string user, DateTimeOffset now)
    {
        var number = state.Subject.Number;
        var set = Keys.Escalations(number);
        var (acknowledged, _) = await store.UpdateNoticeAsync(
            number,
            state.Id,
            s => s.IsAcknowledged ? null : s with { AcknowledgedBy = user, AcknowledgedAt = now },
            (tx, s) => NotificationStore.Unschedule(tx, set, new DueEntry(number, s.Id))
        );
        var by = acknowledged?.AcknowledgedBy ?? user;
        var at = acknowledged?.AcknowledgedAt ?? now;
        foreach (
            var sent in (await store.DeliveriesAsync(number)).Where(d =>
                d.Notice == state.Id && d.Status == DeliveryStatus.Sent
            )
        )
            await store.UpdateDeliveryAsync(
                number,
                sent.Id,
                r =>
                    r?.Status != DeliveryStatus.Sent
                        ? null
                        : r with
                        {
                            Status = DeliveryStatus.Acknowledged,
                            AcknowledgedAt = at,
                            AcknowledgedBy = by,
                        }
            );
        foreach (var person in state.People)
            await inbox.UpdateAsync(
                person,
                NoticeIds.InApp(state.Key, person),
                n => n.AcknowledgedAt is not null ? null : n with { AcknowledgedAt = at, AcknowledgedBy = by }
            );
    }
}
