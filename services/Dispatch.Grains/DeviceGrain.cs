using System.Collections.Immutable;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Dispatch.Grains;

/// <summary>
/// One sensing device, in two parts. Its registry and health (registration, heartbeats and the offline watch with
/// its maintenance incidents, silence, false alarms) live in grain storage and change rarely. Its alert intake decides
/// each alert (replay, silence, the device's dedup windows, then correlation in the grid cell) and answers it once
/// the journal entry that records the answer is stored (see <see cref="AnswerMemory"/>); the entries of every device
/// share the journal's group commits, so an alert costs no write of the device's own state. Reentrant, so that
/// while entries are being stored the next alerts are decided; alerts with one dedup key are decided in their order.
/// </summary>
[Reentrant]
public sealed class DeviceGrain(
    [PersistentState("device", DispatchStorage.Name)] IPersistentState<DeviceRecord> record,
    Lifecycle lifecycle,
    IncidentIntake intake,
    Correlation correlation,
    IAlertJournal journal,
    TimeProvider time,
    ILogger<DeviceGrain> logger
) : Grain, IDeviceGrain, IRemindable
{
    private const string HeartbeatWatch = "heartbeat-watch";
    private const int RememberedFalseAlarms = 256;
    private static readonly TimeSpan OpenCheckInterval = TimeSpan.FromSeconds(2);

    private readonly AnswerMemory _memory = new();
    private readonly Dictionary<string, Task> _deciding = [];
    private readonly Dictionary<string, (bool Open, DateTimeOffset At)> _openChecked = [];
    private bool _broken;

    /// <summary>The heartbeat grain storage holds; newer ones are kept in memory until this one grows old.</summary>
    private DateTimeOffset? _storedHeartbeat;

    private Catalog Catalog => lifecycle.Catalog;
    private TimeSpan HeartbeatInterval => Catalog.Devices.HeartbeatInterval.Length(TimeSpan.Zero);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storedHeartbeat = record.State.LastHeartbeat;
        if (record.State.Device is not null)
            _memory.Restore(await journal.RecentAsync(this.GetPrimaryKeyString()));
    }

    // ---- Registry and health ----

    public async Task<DeviceRegistered> RegisterAsync(DeviceRegistration registration)
    {
        var (device, problem) = (registration with { DeviceId = this.GetPrimaryKeyString() }).Check(Catalog);
        if (device is null)
            return new DeviceRegistered(null, problem);
        await SaveAsync(r =>
            r with
            {
                Device = device,
                RegisteredAt = r.Device is null ? time.GetUtcNow() : r.RegisteredAt,
            }
        );
        await this.RegisterOrUpdateReminder(HeartbeatWatch, HeartbeatInterval, HeartbeatInterval);
        return new DeviceRegistered(await StatusAsync(), null);
    }

    public Task<DeviceStatus?> GetAsync() => StatusAsync();

    public async Task<HeartbeatResult> HeartbeatAsync(string gatewayId)
    {
        ThrowIfBroken();
        if (record.State.Device is not { } device)
            return new HeartbeatResult(
                false,
                new FieldProblem("device_id", $"device '{this.GetPrimaryKeyString()}' is not registered"),
                null
            );
        if (device.GatewayId != gatewayId)
            return new HeartbeatResult(
                false,
                new FieldProblem("device_id", $"device '{device.Id}' is not registered to gateway '{gatewayId}'"),
                null
            );
        var now = time.GetUtcNow();
        var resolved = record.State.MaintenanceIncident;
        if (resolved is not null)
        {
            await GrainFactory
                .Grain<IIncidentGrain>(resolved)
                .ExecuteAsync(
                    new ResolveIncident(
                        $"heartbeat/{device.Id}/{resolved}",
                        Actor.System,
                        $"device {device.Id} is beating again"
                    )
                );
        }
        // A heartbeat is stored when it closes something or when the stored one grows old; the rest stay in memory.
        if (resolved is not null || _storedHeartbeat is not { } stored || now - stored > HeartbeatInterval / 3)
            await SaveAsync(r => r with { LastHeartbeat = now, MaintenanceIncident = null });
        else
            record.State = record.State with { LastHeartbeat = now };
        return new HeartbeatResult(true, null, resolved);
    }

    public async Task<DeviceStatus> SetSilencedAsync(bool silenced, string reason)
    {
        if (record.State.Device is null)
            throw new KeyNotFoundException($"device '{this.GetPrimaryKeyString()}' is not registered");
        await SaveAsync(r => r with { Silenced = silenced, SilenceReason = silenced ? reason : null });
        return (await StatusAsync())!;
    }

    public async Task RecordFalseAlarmAsync(string incidentNumber)
    {
        if (record.State.FalseAlarmIncidents.Contains(incidentNumber))
            return;
        await SaveAsync(r =>
            r with
            {
                FalseAlarms = r.FalseAlarms + 1,
                FalseAlarmIncidents = Trim(r.FalseAlarmIncidents.Add(incidentNumber), RememberedFalseAlarms),
            }
        );
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != HeartbeatWatch || record.State.Device is not { } device)
            return;
        var now = time.GetUtcNow();
        var lastSign = record.State.LastHeartbeat ?? record.State.RegisteredAt;
        if (
            record.State.Silenced
            || record.State.MaintenanceIncident is not null
            || now - lastSign <= HeartbeatInterval
        )
            return;

        var offline = Catalog.Devices.OfflineType;
        var report = await intake.ReportAsync(
            new ReportIncident(
                $"offline/{device.Id}/{lastSign.UtcTicks}",
                Actor.System,
                offline.Code,
                Channel.System,
                device.Street,
                $"{offline.Zh} / {offline.En}: {device.Kind} {device.Id}, "
                    + $"no heartbeat since {lastSign:yyyy-MM-dd HH:mm:ss}",
                device.Location,
                null,
                now,
                null,
                $"device/{device.Id}"
            )
        );
        if (report.Refusal is { } refusal)
        {
            logger.LogError(
                "Could not open the maintenance incident of device {Device}: {Refusal}",
                device.Id,
                refusal.Message
            );
            return;
        }
        var incident = GrainFactory.Grain<IIncidentGrain>(report.IncidentNumber);
        if (await incident.GetAsync() is { State: IncidentState.Filed })
            await incident.ExecuteAsync(
                new DispatchIncident($"{report.IncidentNumber}/dispatch-owner", Actor.System, device.OwnerUnit, [])
            );
        if (record.State.LastHeartbeat > lastSign)
        {
            // It beat while the incident was being opened: close it again at once.
            await incident.ExecuteAsync(
                new ResolveIncident(
                    $"heartbeat/{device.Id}/{report.IncidentNumber}",
                    Actor.System,
                    $"device {device.Id} beat again"
                )
            );
            return;
        }
        await SaveAsync(r => r with { MaintenanceIncident = report.IncidentNumber });
        logger.LogInformation(
            "Device {Device} is offline; opened {Incident} for {Unit}",
            device.Id,
            report.IncidentNumber,
            device.OwnerUnit
        );
    }

    private async Task<DeviceStatus?> StatusAsync()
    {
        var r = record.State;
        if (r.Device is null)
            return null;
        var online =
            (r.LastHeartbeat ?? r.RegisteredAt) >= time.GetUtcNow() - HeartbeatInterval
            && r.MaintenanceIncident is null;
        var alerts = await journal.CountAsync(r.Device.Id);
        return new DeviceStatus(
            r.Device,
            r.LastHeartbeat,
            online,
            r.Silenced,
            r.MaintenanceIncident,
            alerts,
            _memory.Opened,
            r.FalseAlarms
        );
    }

    /// <summary>
    /// Changes the registry state and stores it; a failed write leaves this activation to be reloaded.
    /// </summary>
    private async Task SaveAsync(Func<DeviceRecord, DeviceRecord> change)
    {
        ThrowIfBroken();
        var before = record.State;
        record.State = change(before);
        try
        {
            await record.WriteStateAsync();
            _storedHeartbeat = record.State.LastHeartbeat;
        }
        catch (Exception e)
        {
            record.State = before;
            Break(e);
            throw;
        }
    }

    // ---- Alert intake ----

    public async Task<AlertAck> ReceiveAsync(Alert alert)
    {
        ThrowIfBroken();
        // Another gateway learns nothing about this device, not even the answer to an alert id it replays.
        if (record.State.Device is { } owned && owned.GatewayId != alert.GatewayId)
            return AlertRules.Reject(alert, owned, Catalog, time.GetUtcNow())!;
        if (_memory.TryFind(alert.AlertId, out var first, out var firstStored))
        {
            await firstStored; // a replay is answered only once its first answer is stored
            return first.AsReplay();
        }
        var now = time.GetUtcNow();
        if (AlertRules.Reject(alert, record.State.Device, Catalog, now) is { } rejected)
            return rejected;
        var device = record.State.Device!;

        // Alerts with one dedup key are decided one after another, in the order they came, so that the second
        // finds the incident the first opened; alerts with other keys go on meanwhile and share the next write.
        var key = alert.EffectiveDedupKey;
        var before = _deciding.GetValueOrDefault(key, Task.CompletedTask);
        var decided = new TaskCompletionSource();
        _deciding[key] = decided.Task;
        Task stored;
        AlertAck ack;
        try
        {
            await before;
            ThrowIfBroken();
            if (_memory.TryFind(alert.AlertId, out var raced, out var racedStored))
            {
                decided.SetResult();
                await racedStored;
                return raced.AsReplay();
            }
            var answer = await DecideAsync(alert, device, key, now);
            ack = answer.Ack;
            if (ack.Disposition is Disposition.Rejected)
                return ack;
            // The device keeps the windows of its own keys; a gateway-set key's window is its key grain's.
            var entry = _memory.Answer(alert, ack, alert.HasGatewayKey ? null : answer.Window, time.GetUtcNow());
            stored = journal.AppendAsync(entry);
            _memory.Remember(ack, stored);
        }
        finally
        {
            decided.TrySetResult();
            if (_deciding.GetValueOrDefault(key) == decided.Task)
                _deciding.Remove(key);
        }
        try
        {
            await stored;
        }
        catch (Exception e)
        {
            // Answers given from memory now might speak of effects that are not stored: refuse everything on this
            // activation and let the next one read what the journal really holds. Gateways retry the same alert ids.
            Break(e);
            throw;
        }
        return ack;
    }

    public async Task<IReadOnlyList<AlertAck>> ReceiveAllAsync(IReadOnlyList<Alert> alerts) =>
        // each takes its place in its dedup key's order before its first await
        await Task.WhenAll(alerts.Select(ReceiveAsync));

    /// <summary>
    /// What becomes of an alert (see <see cref="AlertDecider"/>): suppressed, joined to its key's open incident of a
    /// compatible type (reclassifying it when the alert is more urgent), or correlated in its grid cell. A gateway-set
    /// key's window is shared by the gateway's devices, so its key grain decides.
    /// </summary>
    private async Task<Correlated> DecideAsync(Alert alert, Device device, string key, DateTimeOffset now)
    {
        if (record.State.Silenced)
            return new Correlated(
                new AlertAck(
                    alert.AlertId,
                    Disposition.Suppressed,
                    null,
                    $"device {device.Id} is silenced: {record.State.SilenceReason}"
                ),
                null
            );
        if (alert.HasGatewayKey)
            return await GrainFactory.Grain<IDedupKeyGrain>(key).CorrelateAsync(alert, device);
        var window = _memory.Window(key, now);
        if (window is not null && !await IsOpenAsync(window.Incident))
        {
            _memory.Close(key);
            window = null;
        }
        var decision = correlation.Decider.BeforeCell(alert, device, null, window is null ? [] : [window], now);
        var answer = decision is null
            ? await GrainFactory
                .Grain<ICellGrain>(CellGrain.KeyOf(device.Scenario, GridCell.Of(alert.Location, Catalog)))
                .CorrelateAsync(alert, device)
            : await correlation.ActAsync(decision, alert, device);
        // An incident just opened is known to be open now. One joined is not asked again: renewing what was last
        // heard with every repeat would keep a steady stream joining it long after it was dismissed or closed.
        if (answer.Ack is { Disposition: Disposition.NewIncident, IncidentNumber: { } opened })
            Checked(opened, true, now);
        return answer;
    }

    /// <summary>
    /// Whether an incident is still open, asked of the incident at most every <see cref="OpenCheckInterval"/>: in a
    /// storm of repeats, one question serves many alerts. An incident closed within that interval may still receive
    /// an alert; it is recorded with the incident, which a dispatcher can reopen.
    /// </summary>
    private async Task<bool> IsOpenAsync(string number)
    {
        var now = time.GetUtcNow();
        if (_openChecked.TryGetValue(number, out var known) && now - known.At < OpenCheckInterval)
            return known.Open;
        return Checked(number, await GrainFactory.Grain<IIncidentGrain>(number).IsOpenAsync(), now);
    }

    private bool Checked(string number, bool open, DateTimeOffset at)
    {
        if (_openChecked.Count > 256)
            _openChecked.Clear();
        _openChecked[number] = (open, at);
        return open;
    }

    private void Break(Exception e)
    {
        if (_broken)
            return;
        _broken = true;
        logger.LogWarning(e, "Storing for device {Device} failed; deactivating to reload", this.GetPrimaryKeyString());
        this.DeactivateOnIdle();
    }

    private void ThrowIfBroken()
    {
        if (_broken)
            throw new InvalidOperationException(
                $"device {this.GetPrimaryKeyString()} is reloading after a storage failure; retry"
            );
    }

    private static ImmutableList<T> Trim<T>(ImmutableList<T> list, int max) =>
        list.Count > max ? list.RemoveRange(0, list.Count - max) : list;
}
