using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.Logging;
using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Dispatch.Grains;

/// <summary>
/// One sensing device. Reentrant, so that while one write is in flight the next alerts are decided and join
/// the following write: alerts are answered after a group commit, never one write each, and a retried alert id
/// is answered from memory without any write at all. An alert that attaches to an open incident is stored only in
/// the alert record (which keeps the device's answers); the device's own state is written when it changes in
/// substance: an incident opened, a dedup window begun or stretched by more than a quarter of its length.
/// </summary>
[Reentrant]
public sealed class DeviceGrain(
    [PersistentState("device", DispatchStorage.Name)] IPersistentState<DeviceRecord> record,
    Lifecycle lifecycle,
    IncidentIntake intake,
    IAlertLog alertLog,
    TimeProvider time,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain, IRemindable
{
    private const string HeartbeatWatch = "heartbeat-watch";
    private const int RememberedFalseAlarms = 256;

    private readonly Dictionary<string, (AlertAck Ack, long Change)> _acks = [];
    private readonly Queue<string> _ackOrder = new();
    private readonly List<(Alert, AlertAck)> _unrecorded = [];
    private readonly Dictionary<string, Task> _deciding = [];
    private readonly Dictionary<string, (bool Open, DateTimeOffset At)> _openChecked = [];
    private static readonly TimeSpan OpenCheckInterval = TimeSpan.FromSeconds(2);
    private long _changes;
    private long _written;
    private bool _unstored;
    private DeviceRecord _stored = new();
    private Task? _writing;
    private bool _broken;

    private Catalog Catalog => lifecycle.Catalog;
    private TimeSpan HeartbeatInterval => Catalog.Devices.HeartbeatInterval.Length(TimeSpan.Zero);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stored = record.State;
        if (record.State.Device is not null)
            foreach (var ack in await alertLog.RecentAcksAsync(this.GetPrimaryKeyString(), IAlertLog.KeptAcks)) Remember(ack, 0);
    }

    public async Task<DeviceStatus> RegisterAsync(DeviceRegistration registration)
    {
        var (device, problem) = (registration with { DeviceId = this.GetPrimaryKeyString() }).Check(Catalog);
        if (device is null) throw new ArgumentException(problem);
        Change(r => r with { Device = device, RegisteredAt = r.Device is null ? time.GetUtcNow() : r.RegisteredAt });
        await DurableAsync();
        await this.RegisterOrUpdateReminder(HeartbeatWatch, HeartbeatInterval, HeartbeatInterval);
        return (await StatusAsync())!;
    }

    public Task<DeviceStatus?> GetAsync() => StatusAsync();

    public async Task<AlertAck> ReceiveAsync(Alert alert)
    {
        ThrowIfBroken();
        // Another gateway learns nothing about this device, not even the answer to an alert id it replays.
        if (record.State.Device is { } owned && owned.GatewayId != alert.GatewayId)
            return AlertRules.Reject(alert, owned, Catalog, time.GetUtcNow())!;
        if (_acks.TryGetValue(alert.AlertId, out var first))
        {
            while (_written < first.Change) await WriteOnceAsync();
            return first.Ack.AsReplay();
        }
        var now = time.GetUtcNow();
        if (AlertRules.Reject(alert, record.State.Device, Catalog, now) is { } rejected) return rejected;
        var device = record.State.Device!;

        // Alerts with one dedup key are decided one after another, in the order they came, so that the second
        // finds the incident the first opened; alerts with other keys go on meanwhile and share the next write.
        var key = alert.EffectiveDedupKey;
        var before = _deciding.GetValueOrDefault(key, Task.CompletedTask);
        var decided = new TaskCompletionSource();
        _deciding[key] = decided.Task;
        AlertAck ack;
        try
        {
            await before;
            ack = await DecideAsync(alert, device, now);
        }
        finally
        {
            decided.SetResult();
            if (_deciding.GetValueOrDefault(key) == decided.Task) _deciding.Remove(key);
        }
        if (ack.Disposition is Disposition.Rejected) return ack;
        await DurableAsync(); // a replay raced in meanwhile waits for its first answer's write, and causes none itself
        return ack;
    }

    public async Task<IReadOnlyList<AlertAck>> ReceiveAllAsync(IReadOnlyList<Alert> alerts) =>
        await Task.WhenAll(alerts.Select(ReceiveAsync)); // each takes its place in its dedup key's order before its first await

    /// <summary>Decides what becomes of an alert and records it in memory; the caller makes it durable.</summary>
    private async Task<AlertAck> DecideAsync(Alert alert, Device device, DateTimeOffset now)
    {
        if (_acks.TryGetValue(alert.AlertId, out var raced)) return raced.Ack.AsReplay();
        AlertAck ack;
        if (record.State.Silenced)
        {
            ack = new AlertAck(alert.AlertId, Disposition.Suppressed, null, $"device {device.Id} is silenced: {record.State.SilenceReason}");
        }
        else if (record.State.Dedup.TryGetValue(alert.EffectiveDedupKey, out var window) && window.Until > now && await IsOpenAsync(window.Incident))
        {
            ack = new AlertAck(alert.AlertId, Disposition.Attached, window.Incident, $"joined {window.Incident} (same dedup key)");
        }
        else
        {
            ack = await GrainFactory.GetGrain<ICellGrain>(CellGrain.KeyOf(device.Scenario, GridCell.Of(alert.Location, Catalog))).CorrelateAsync(alert, device);
            if (ack.Disposition == Disposition.Rejected) return ack;
            if (ack.IncidentNumber is { } joined) Checked(joined, true, now); // the cell just opened it or found it open
        }
        ThrowIfBroken();
        if (_acks.TryGetValue(alert.AlertId, out raced)) return raced.Ack.AsReplay();

        if (ack.IncidentNumber is { } incident)
        {
            // The window slides with every alert in memory; storage learns of it when that matters: a new incident or
            // window, or a stored end that falls more than a quarter of the window short. After a failover, at worst
            // a window ends that much early, and the next alert opens or joins by cell instead.
            var length = Catalog.FindScenario(device.Scenario)!.Correlation.DedupWindow.Length(TimeSpan.Zero);
            var window = new DedupWindow(incident, now + length);
            var stored = _stored.Dedup.GetValueOrDefault(alert.EffectiveDedupKey);
            var store = ack.Disposition == Disposition.NewIncident || stored?.Incident != incident || stored.Until < window.Until - length / 4;
            Change(r => r with
            {
                IncidentsOpened = r.IncidentsOpened + (ack.Disposition == Disposition.NewIncident ? 1 : 0),
                Dedup = (store ? Current(r.Dedup, now) : r.Dedup).SetItem(alert.EffectiveDedupKey, window),
            }, store);
        }
        else _changes++;
        Remember(ack, _changes);
        _unrecorded.Add((alert, ack));
        return ack;
    }

    /// <summary>Keeps the first answer to an alert id in memory, forgetting the oldest beyond <see cref="IAlertLog.KeptAcks"/>.</summary>
    private void Remember(AlertAck ack, long change)
    {
        if (!_acks.TryAdd(ack.AlertId, (ack, change))) return;
        _ackOrder.Enqueue(ack.AlertId);
        if (_ackOrder.Count > IAlertLog.KeptAcks) _acks.Remove(_ackOrder.Dequeue());
    }

    /// <summary>The windows that have not ended yet.</summary>
    private static ImmutableDictionary<string, DedupWindow> Current(ImmutableDictionary<string, DedupWindow> windows, DateTimeOffset now) =>
        windows.Values.Any(w => w.Until <= now) ? windows.RemoveRange([.. windows.Where(w => w.Value.Until <= now).Select(w => w.Key)]) : windows;

    public async Task<HeartbeatResult> HeartbeatAsync(string gatewayId)
    {
        ThrowIfBroken();
        if (record.State.Device is not { } device) return new HeartbeatResult(false, $"device_id: device '{this.GetPrimaryKeyString()}' is not registered", null);
        if (device.GatewayId != gatewayId) return new HeartbeatResult(false, $"device_id: device '{device.Id}' is not registered to gateway '{gatewayId}'", null);
        var now = time.GetUtcNow();
        var resolved = record.State.MaintenanceIncident;
        if (resolved is not null)
        {
            await GrainFactory.GetGrain<IIncidentGrain>(resolved)
                .ExecuteAsync(new ResolveIncident($"heartbeat/{device.Id}/{resolved}", Actor.System, $"device {device.Id} is beating again"));
        }
        // A heartbeat is written when it changes something or when the stored one grows old; the rest stay in memory.
        var store = resolved is not null || _stored.LastHeartbeat is not { } stored || now - stored > HeartbeatInterval / 3;
        Change(r => r with { LastHeartbeat = now, MaintenanceIncident = null }, store);
        if (store) await DurableAsync();
        return new HeartbeatResult(true, null, resolved);
    }

    public async Task<DeviceStatus> SetSilencedAsync(bool silenced, string reason)
    {
        if (record.State.Device is null) throw new KeyNotFoundException($"device '{this.GetPrimaryKeyString()}' is not registered");
        Change(r => r with { Silenced = silenced, SilenceReason = silenced ? reason : null });
        await DurableAsync();
        return (await StatusAsync())!;
    }

    public async Task RecordFalseAlarmAsync(string incidentNumber)
    {
        if (record.State.FalseAlarmIncidents.Contains(incidentNumber)) return;
        Change(r => r with
        {
            FalseAlarms = r.FalseAlarms + 1,
            FalseAlarmIncidents = Trim(r.FalseAlarmIncidents.Add(incidentNumber), RememberedFalseAlarms),
        });
        await DurableAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != HeartbeatWatch || record.State.Device is not { } device) return;
        var now = time.GetUtcNow();
        var lastSign = record.State.LastHeartbeat ?? record.State.RegisteredAt;
        if (record.State.Silenced || record.State.MaintenanceIncident is not null || now - lastSign <= HeartbeatInterval) return;

        var offline = Catalog.Devices.OfflineType;
        var report = await intake.ReportAsync(new ReportIncident(
            $"offline/{device.Id}/{lastSign.UtcTicks}", Actor.System, offline.Code, Channel.System, device.Street,
            $"{offline.Zh} / {offline.En}: {device.Kind} {device.Id}, no heartbeat since {lastSign:yyyy-MM-dd HH:mm:ss}",
            device.Location, null, now, null, $"device/{device.Id}"));
        if (report.Refusal is { } refusal)
        {
            logger.LogError("Could not open the maintenance incident of device {Device}: {Refusal}", device.Id, refusal.Message);
            return;
        }
        var incident = GrainFactory.GetGrain<IIncidentGrain>(report.IncidentNumber);
        if (await incident.GetAsync() is { State: IncidentState.Filed })
            await incident.ExecuteAsync(new DispatchIncident($"{report.IncidentNumber}/dispatch-owner", Actor.System, device.OwnerUnit, []));
        if (record.State.LastHeartbeat > lastSign)
        {
            // It beat while the incident was being opened: close it again at once.
            await incident.ExecuteAsync(new ResolveIncident($"heartbeat/{device.Id}/{report.IncidentNumber}", Actor.System, $"device {device.Id} beat again"));
            return;
        }
        Change(r => r with { MaintenanceIncident = report.IncidentNumber });
        await DurableAsync();
        logger.LogInformation("Device {Device} is offline; opened {Incident} for {Unit}", device.Id, report.IncidentNumber, device.OwnerUnit);
    }

    private async Task<DeviceStatus?> StatusAsync()
    {
        var r = record.State;
        if (r.Device is null) return null;
        var online = (r.LastHeartbeat ?? r.RegisteredAt) >= time.GetUtcNow() - HeartbeatInterval && r.MaintenanceIncident is null;
        var alerts = await alertLog.CountAsync(r.Device.Id);
        return new DeviceStatus(r.Device, r.LastHeartbeat, online, r.Silenced, r.MaintenanceIncident, alerts, r.IncidentsOpened, r.FalseAlarms);
    }

    /// <summary>
    /// Whether an incident is still open, asked of the incident at most every <see cref="OpenCheckInterval"/>: in a
    /// storm of repeats, one question serves many alerts. An incident closed within that interval may still receive
    /// an alert; it is recorded with the incident, which a dispatcher can reopen.
    /// </summary>
    private async Task<bool> IsOpenAsync(string number)
    {
        var now = time.GetUtcNow();
        if (_openChecked.TryGetValue(number, out var known) && now - known.At < OpenCheckInterval) return known.Open;
        return Checked(number, await GrainFactory.GetGrain<IIncidentGrain>(number).IsOpenAsync(), now);
    }

    private bool Checked(string number, bool open, DateTimeOffset at)
    {
        if (_openChecked.Count > 256) _openChecked.Clear();
        _openChecked[number] = (open, at);
        return open;
    }

    /// <summary>Changes the state in memory; <paramref name="store"/> says whether the change must reach storage before the caller is answered.</summary>
    private void Change(Func<DeviceRecord, DeviceRecord> change, bool store = true)
    {
        record.State = change(record.State);
        _changes++;
        _unstored |= store;
    }

    /// <summary>
    /// Returns once every alert decided so far is recorded and every change so far that must be stored is in storage,
    /// sharing one write with the calls that came meanwhile.
    /// </summary>
    private async Task DurableAsync()
    {
        ThrowIfBroken();
        var mine = _changes;
        while (_written < mine) await WriteOnceAsync();
    }

    private Task WriteOnceAsync() => _writing ??= WriteAsync();

    private async Task WriteAsync()
    {
        try
        {
            await Task.Yield(); // let the calls already waiting decide their alerts and join this write
            // Alert records first, and until none is left: the state written next may only speak of recorded alerts.
            while (_unrecorded.Count > 0)
            {
                var batch = _unrecorded.ToList();
                _unrecorded.Clear();
                await alertLog.AppendAsync(this.GetPrimaryKeyString(), batch);
            }
            var target = _changes; // no await between here and the write: it holds exactly the changes up to target
            if (_unstored)
            {
                var state = record.State;
                _unstored = false;
                await record.WriteStateAsync();
                _stored = state;
            }
            _written = target;
        }
        catch (Exception e)
        {
            // Answers given from memory now might speak of effects that are not stored: refuse everything on this
            // activation and let the next one load what storage really holds. Gateways retry the same alert ids.
            _broken = true;
            logger.LogWarning(e, "Writing device {Device} failed; deactivating to reload", this.GetPrimaryKeyString());
            this.DeactivateOnIdle();
            throw;
        }
        finally
        {
            _writing = null;
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken) throw new InvalidOperationException($"device {this.GetPrimaryKeyString()} is reloading after a storage failure; retry");
    }

    private static ImmutableList<T> Trim<T>(ImmutableList<T> list, int max) =>
        list.Count > max ? list.RemoveRange(0, list.Count - max) : list;
}
