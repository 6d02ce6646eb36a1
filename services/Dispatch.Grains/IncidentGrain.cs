using System.Diagnostics;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains;

/// <summary>
/// One incident. Commands are decided by the domain's <see cref="Lifecycle"/>; an accepted one is committed to the
/// store (record, events and deadline entry at once) before it is answered. Reads see only what is stored: a
/// command's effect becomes visible when its commit has succeeded, never while it is in flight. What follows a
/// commit in other grains (a merge recorded on its target, a false alarm counted on the device) is settled after
/// it, idempotently, and retried by a timer and on the next activation until it holds.
/// </summary>
public sealed class IncidentGrain(
    IIncidentStore store,
    Lifecycle lifecycle,
    TimeProvider time,
    ILogger<IncidentGrain> logger
) : Grain, IIncidentGrain
{
    /// <summary>What the store holds, as far as this activation knows; null until it was read.</summary>
    private IncidentRecord? _stored;

    /// <summary>The next deadline threshold in the store's index, when this activation knows it.</summary>
    private (bool Known, DateTimeOffset? At) _deadline;
    private Task? _loading;
    private bool _mergeRecorded;
    private bool _falseAlarmRecorded;

    /// <summary>What each (unit, person) was last told about holding this incident as an open task.</summary>
    private readonly Dictionary<(string Unit, string Person), bool> _tasksTold = [];
    private IGrainTimer? _retry;

    private string Number => this.GetPrimaryKeyString();
    private WorkingCalendar Calendar => lifecycle.Catalog.Calendar;

    public async Task<Incident?> GetAsync() => (await StoredAsync()).Incident;

    public async Task<bool> IsOpenAsync() => (await StoredAsync()).Incident is { IsOpen: true };

    public async Task<CommandResult?> GetResultAsync(string commandId) =>
        (await StoredAsync()).Results.TryGetValue(commandId, out var result) ? result : null;

    public async Task<IReadOnlyList<IncidentEvent>> GetTimelineAsync(long afterSeq = 0) =>
        [.. (await StoredAsync()).Timeline.Where(e => e.Seq > afterSeq)];

    public async Task<CommandResult> ExecuteAsync(IncidentCommand command)
    {
        // A new incident's first command is its report: it is taken not to exist yet, and the commit checks that.
        if (_stored is null && _loading is null && command is ReportIncident)
            _stored = new IncidentRecord();
        for (var attempt = 1; ; attempt++)
        {
            var stored = await StoredAsync();
            if (command.CommandId is { } id && stored.Results.TryGetValue(id, out var first))
            {
                await SettleOrRetryAsync();
                return first;
            }
            var outcome = lifecycle.Execute(
                Number,
                stored.Incident,
                command,
                time.GetUtcNow(),
                await DutyBoardAsync(stored.Incident, command)
            );
            if (outcome.Refusal is { } refusal)
                return CommandResult.Refused(Number, command.CommandId ?? "", refusal);
            if (outcome.Events.Count == 0)
                return new CommandResult(Number, command.CommandId, 0, 0, outcome.Incident!.State, null);
            if (command is MergeIncident merge && await MergeTargetRefusalAsync(merge) is { } mergeRefused)
                return CommandResult.Refused(Number, command.CommandId, mergeRefused);

            var incident = outcome.Incident!;
            var result = new CommandResult(
                Number,
                command.CommandId,
                outcome.Events[0].Seq,
                outcome.Events[^1].Seq,
                incident.State,
                null
            );
            var next = stored with
            {
                Incident = incident,
                Timeline = stored.Timeline.AddRange(outcome.Events),
                Results = stored.Results.SetItem(command.CommandId, result),
            };
            var deadline = NextThreshold(incident);
            try
            {
                await store.CommitAsync(
                    Number,
                    stored.Version,
                    next,
                    outcome.Events,
                    deadline,
                    deadlineUnchanged: _deadline.Known && _deadline.At == deadline,
                    Activity.Current?.Id
                );
            }
            catch (IncidentConflictException conflict) when (attempt < 3)
            {
                // Someone else wrote it (another activation during a failover, or a report that existed after all).
                logger.LogInformation("Incident {Incident}: {Conflict}; reading it again", Number, conflict.Message);
                Forget();
                continue;
            }
            catch
            {
                // Whether the write landed is unknown: read the store again before the next command.
                Forget();
                throw;
            }
            _stored = next;
            _deadline = (true, deadline);
            GrainMetrics.Applied(stored.Incident, incident, outcome.Events);
            if (command is ReportIncident && lifecycle.Catalog.FindType(incident.Type) is { } type)
                logger.LogInformation(
                    "Incident {Incident} {State}: {TypeZh} / {TypeEn} in {Street}, from {Channel}",
                    Number,
                    incident.State,
                    type.Zh,
                    type.En,
                    lifecycle.Catalog.FindStreet(incident.Street)?.Zh,
                    incident.Channel
                );
            await SettleOrRetryAsync();
            return result;
        }
    }

    public async Task CheckDeadlinesAsync()
    {
        var now = time.GetUtcNow();
        var result = await ExecuteAsync(new CheckDeadlines($"deadlines:{now.UtcTicks}", Actor.System));
        if (result.FirstSeq == 0 && (await StoredAsync()).Incident is var incident)
        {
            // Nothing was due (the sweep came early, or the clocks moved): put the index entry where it belongs now.
            var deadline = incident is null ? null : NextThreshold(incident);
            await store.SetDeadlineAsync(Number, deadline);
            _deadline = (true, deadline);
        }
    }

    /// <summary>
    /// Machine dispatch's people for the units the command assigns without a named person: each unit's grain picks an
    /// on-duty worker (or, with nobody on duty, its duty officer), so that every assignment names someone.
    /// </summary>
    private async Task<DutyBoard> DutyBoardAsync(Incident? incident, IncidentCommand command)
    {
        var units = lifecycle.UnitsNeedingPeople(incident, command);
        if (units.Count == 0)
            return DutyBoard.Empty;
        var near = incident?.Location ?? (command as ReportIncident)?.Location;
        return DutyBoard.Of(await Task.WhenAll(units.Select(u => GrainFactory.Grain<IUnitGrain>(u).PickAsync(near))));
    }

    /// <summary>The earliest threshold of the running clocks, or null when none is left.</summary>
    private DateTimeOffset? NextThreshold(Incident incident) =>
        incident.Clocks.Select(c => c.NextThreshold(Calendar)?.At).Where(at => at is not null).Min();

    private async Task<IncidentRecord> StoredAsync()
    {
        if (_stored is { } known)
            return known;
        await (_loading ??= LoadAsync());
        return _stored ?? new IncidentRecord();
    }

    private async Task LoadAsync()
    {
        try
        {
            var loaded = await store.LoadAsync(Number) ?? new IncidentRecord();
            // A command may have committed meanwhile (reads interleave): never step back to an older version.
            if (_stored is null || loaded.Version > _stored.Version)
            {
                _stored = loaded;
                _deadline = default;
            }
            if (_stored.Incident is not null)
                await SettleOrRetryAsync();
        }
        finally
        {
            _loading = null;
        }
    }

    private void Forget()
    {
        _stored = null;
        _deadline = default;
    }

    /// <summary>An incident is merged only into one that exists and is still open.</summary>
    private async Task<Refusal?> MergeTargetRefusalAsync(MergeIncident merge)
    {
        var target = await GrainFactory.Grain<IIncidentGrain>(merge.Into).GetAsync();
        return target switch
        {
            null => new Refusal(RefusalKind.InvalidArgument, $"into: incident {merge.Into} does not exist"),
            { State: IncidentState.Merged or IncidentState.Dismissed or IncidentState.Closed } => new Refusal(
                RefusalKind.IllegalTransition,
                $"into: incident {merge.Into} is {target.State}; merge into an open incident"
            ),
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
            logger.LogWarning(e, "Settling what follows incident {Incident}'s last command failed; retrying", Number);
            _retry ??= this.RegisterGrainTimer(
                async _ => await SettleOrRetryAsync(),
                TimeSpan.FromSeconds(2),
                TimeSpan.FromSeconds(5)
            );
        }
    }

    /// <summary>
    /// Brings the merge target, the source device's false alarms and the units' counts of open tasks in line with
    /// what the store holds.
    /// </summary>
    private async Task SettleAsync()
    {
        if (_stored is not { } stored)
            return;
        var timeline = stored.Timeline;
        if (!_mergeRecorded && timeline.OfType<IncidentMerged>().LastOrDefault() is { } merged)
        {
            // Idempotent by its derived command id, so telling the target again after a crash records nothing twice.
            await GrainFactory
                .Grain<IIncidentGrain>(merged.Into)
                .ExecuteAsync(new AbsorbIncident($"{merged.CommandId}:absorb:{Number}", merged.Actor, Number));
            _mergeRecorded = true;
        }
        if (
            !_falseAlarmRecorded
            && timeline.OfType<IncidentDismissed>().LastOrDefault() is { Ground: DismissalGround.FalseAlarm }
            && stored.Incident is { State: IncidentState.Dismissed } dismissed
            && AlertSource.DeviceOf(dismissed.SourceRef) is { } device
        )
        {
            // The device's false-alarm rate counts this once, however often it is told.
            await GrainFactory.Grain<IDeviceGrain>(device).RecordFalseAlarmAsync(Number);
            _falseAlarmRecorded = true;
        }
        foreach (var ((unit, person), open) in Tasks(stored))
        {
            if (_tasksTold.TryGetValue((unit, person), out var told) && told == open)
                continue;
            await GrainFactory.Grain<IUnitGrain>(unit).SetTaskAsync(person, Number, open);
            _tasksTold[(unit, person)] = open;
        }
    }

    /// <summary>
    /// Everyone who ever held one of the incident's assignments, and whether it is an open task of theirs now: the
    /// incident is open and their assignment is not yet handled.
    /// </summary>
    private IEnumerable<((string Unit, string Person) Holder, bool Open)> Tasks(IncidentRecord stored)
    {
        var holders = new HashSet<(string, string)>();
        Incident? replayed = null;
        foreach (var e in stored.Timeline)
        {
            replayed = lifecycle.Evolve(replayed, e);
            foreach (var a in replayed.Assignments)
                if (a.Worker is { Length: > 0 } worker)
                    holders.Add((a.Unit, worker));
        }
        var now = stored.Incident;
        return holders.Select(h =>
            (
                h,
                now is { IsOpen: true }
                    && now.Assignments.Any(a =>
                        a.Unit == h.Item1 && a.Worker == h.Item2 && a.State != AssignmentState.Handled
                    )
            )
        );
    }
}
