using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains;

/// <summary>
/// One incident. Commands are decided by the domain's <see cref="Lifecycle"/>; an accepted one is written to
/// grain storage before it is answered, then its events go to the event stream and the deadline reminders are
/// brought in line with the running clocks, and a merge is recorded on its target. Whatever of that after-work
/// fails is retried by a timer and on the next activation, because the timeline in storage is the outbox.
/// </summary>
public sealed class IncidentGrain(
    [PersistentState("incident", DispatchStorage.Name)] IPersistentState<IncidentRecord> record,
    Lifecycle lifecycle,
    IIncidentEventLog eventLog,
    TimeProvider time,
    IOptions<DeadlineOptions> deadlines,
    ILogger<IncidentGrain> logger) : Grain, IIncidentGrain, IRemindable
{
    private const string DeadlinePrefix = "deadline:";

    private long? _published;
    private bool _mergeRecorded;
    private bool _falseAlarmRecorded;
    private Dictionary<string, DateTimeOffset?>? _reminders;
    private IGrainTimer? _retry;

    private string Number => this.GetPrimaryKeyString();
    private WorkingCalendar Calendar => lifecycle.Catalog.Calendar;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!record.RecordExists)
        {
            // A new incident: nothing of it is in the event stream and it has no reminders, so there is nothing to ask Redis.
            (_published, _reminders) = (0, []);
            return;
        }
        await SettleOrRetryAsync();
    }

    public Task<Incident?> GetAsync() => Task.FromResult(record.State.Incident);

    public Task<bool> IsOpenAsync() =>
        Task.FromResult(record.State.Incident is { IsOpen: true });

    public Task<CommandResult?> GetResultAsync(string commandId) =>
        Task.FromResult(record.State.Results.TryGetValue(commandId, out var result) ? result : null);

    public Task<IReadOnlyList<IncidentEvent>> GetTimelineAsync(long afterSeq = 0) =>
        Task.FromResult<IReadOnlyList<IncidentEvent>>([.. record.State.Timeline.Where(e => e.Seq > afterSeq)]);

    public async Task<CommandResult> ExecuteAsync(IncidentCommand command)
    {
        if (command.CommandId is { } id && record.State.Results.TryGetValue(id, out var first))
        {
            await SettleOrRetryAsync();
            return first;
        }
        var outcome = lifecycle.Execute(Number, record.State.Incident, command, time.GetUtcNow());
        if (outcome.Refusal is { } refusal) return CommandResult.Refused(Number, command.CommandId ?? "", refusal);
        if (outcome.Events.Count == 0) return new CommandResult(Number, command.CommandId, 0, 0, outcome.Incident!.State, null);

        if (command is MergeIncident merge && await MergeTargetRefusalAsync(merge) is { } mergeRefused)
            return CommandResult.Refused(Number, command.CommandId, mergeRefused);

        var result = new CommandResult(Number, command.CommandId, outcome.Events[0].Seq, outcome.Events[^1].Seq, outcome.Incident!.State, null);
        var before = record.State;
        record.State = before with
        {
            Incident = outcome.Incident,
            Timeline = before.Timeline.AddRange(outcome.Events),
            Results = before.Results.SetItem(command.CommandId, result),
        };
        try
        {
            await record.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Whatever storage now holds (a conflict means another activation wrote), this activation no longer
            // knows it: drop the change, and let the next call load the truth. The caller retries the same command id.
            logger.LogWarning(e, "Writing incident {Incident} failed on {Command}; deactivating to reload", Number, command.Name);
            record.State = before;
            DeactivateOnIdle();
            throw;
        }
        GrainMetrics.Applied(before.Incident, outcome.Incident, outcome.Events);
        if (command is ReportIncident && outcome.Incident is { } reported && lifecycle.Catalog.FindType(reported.Type) is { } type)
            logger.LogInformation("Incident {Incident} {State}: {TypeZh} / {TypeEn} in {Street}, from {Channel}",
                Number, reported.State, type.Zh, type.En, lifecycle.Catalog.FindStreet(reported.Street)?.Zh, reported.Channel);
        await SettleOrRetryAsync();
        return result;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var fired = reminderName.StartsWith(DeadlinePrefix, StringComparison.Ordinal)
            ? await ExecuteAsync(new CheckDeadlines($"{reminderName}:{time.GetUtcNow().UtcTicks}", Actor.System))
            : null;
        if (fired is { FirstSeq: 0 })
        {
            // Nothing was due yet (a tick a little early): aim the reminder at the threshold again rather than
            // waiting a whole period.
            _reminders?.Remove(reminderName);
            await SettleOrRetryAsync();
        }
    }

    /// <summary>An incident is merged only into one that exists and is still open.</summary>
    private async Task<Refusal?> MergeTargetRefusalAsync(MergeIncident merge)
    {
        var target = await GrainFactory.GetGrain<IIncidentGrain>(merge.Into).GetAsync();
        return target switch
        {
            null => new Refusal(RefusalKind.InvalidArgument, $"into: incident {merge.Into} does not exist"),
            { State: IncidentState.Merged or IncidentState.Dismissed or IncidentState.Closed } =>
                new Refusal(RefusalKind.IllegalTransition, $"into: incident {merge.Into} is {target.State}; merge into an open incident"),
            _ => null,
        };
    }

    private async Task SettleOrRetryAsync()
    {
        try
        {
            await SettleAsync();
            _retry?.Dispose();
            _retry = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _published = null; // read it again: the stream may hold more, or (after losing its last second) less
            logger.LogWarning(e, "Publishing events or setting reminders of incident {Incident} failed; retrying", Number);
            _retry ??= this.RegisterGrainTimer(async _ => await SettleOrRetryAsync(), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Brings the event stream, the merge target, the source device's false alarms and the reminders in line with what storage holds.</summary>
    private async Task SettleAsync()
    {
        var timeline = record.State.Timeline;
        _published ??= await eventLog.PublishedUpToAsync(Number);
        if (timeline.Count > 0 && timeline[^1].Seq > _published)
            _published = await eventLog.AppendAsync(Number, [.. timeline.Where(e => e.Seq > _published)]);
        if (!_mergeRecorded && timeline.OfType<IncidentMerged>().LastOrDefault() is { } merged)
        {
            // Idempotent by its derived command id, so telling the target again after a crash records nothing twice.
            await GrainFactory.GetGrain<IIncidentGrain>(merged.Into)
                .ExecuteAsync(new AbsorbIncident($"{merged.CommandId}:absorb:{Number}", merged.Actor, Number));
            _mergeRecorded = true;
        }
        if (!_falseAlarmRecorded && timeline.OfType<IncidentDismissed>().LastOrDefault() is { Ground: DismissalGround.FalseAlarm }
            && record.State.Incident is { State: IncidentState.Dismissed } dismissed && AlertSource.DeviceOf(dismissed.SourceRef) is { } device)
        {
            // The device's false-alarm rate counts this once, however often it is told.
            await GrainFactory.GetGrain<IDeviceGrain>(device).RecordFalseAlarmAsync(Number);
            _falseAlarmRecorded = true;
        }
        await SyncRemindersAsync();
    }

    private async Task SyncRemindersAsync()
    {
        var now = time.GetUtcNow();
        var wanted = (record.State.Incident?.Clocks ?? [])
            .Select(c => (Name: DeadlinePrefix + c.Stage, Next: c.NextThreshold(Calendar)))
            .Where(c => c.Next is not null)
            .ToDictionary(c => c.Name, c => c.Next!.Value.At);
        if (_reminders is null)
        {
            _reminders = [];
            foreach (var existing in await this.GetReminders())
                if (existing.ReminderName.StartsWith(DeadlinePrefix, StringComparison.Ordinal))
                    _reminders[existing.ReminderName] = null;
        }
        foreach (var name in _reminders.Keys.Except(wanted.Keys).ToList())
        {
            if (await this.GetReminder(name) is { } stale) await this.UnregisterReminder(stale);
            _reminders.Remove(name);
        }
        foreach (var (name, at) in wanted)
        {
            if (_reminders.TryGetValue(name, out var registered) && registered == at) continue;
            var due = at > now ? at - now : TimeSpan.Zero;
            await this.RegisterOrUpdateReminder(name, due, deadlines.Value.ReminderPeriod);
            _reminders[name] = at;
        }
    }
}
