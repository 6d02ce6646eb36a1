using Dispatch.Domain;
using Orleans.Concurrency;

namespace Dispatch.Abstractions;

/// <summary>
/// A sensing device (感知设备), keyed by its id: its registry entry, heartbeat and offline watch, the answers to
/// its recent alerts (so that a retried alert id gets the same answer), its dedup windows, silence switch and
/// false-alarm figures.
/// </summary>
[Alias("Dispatch.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Registers or updates the device; a refused registration names the field and changes nothing.</summary>
    [Alias("Register")]
    Task<DeviceRegistered> RegisterAsync(DeviceRegistration registration);

    /// <summary>The device's registration and health, or null when it is not registered.</summary>
    [Alias("Get"), AlwaysInterleave]
    Task<DeviceStatus?> GetAsync();

    /// <summary>Takes in an alert and answers once its effect is durable.</summary>
    [Alias("Receive")]
    Task<AlertAck> ReceiveAsync(Alert alert);

    /// <summary>
    /// Takes in alerts and answers each, in the same order, once all are durable: one call and one write for many.
    /// Alerts with one dedup key are decided in their order, as with <see cref="ReceiveAsync"/>.
    /// </summary>
    [Alias("ReceiveAll")]
    Task<IReadOnlyList<AlertAck>> ReceiveAllAsync(IReadOnlyList<Alert> alerts);

    /// <summary>The device is alive. Returns the maintenance incident this closed, if any; null when refused.</summary>
    [Alias("Heartbeat")]
    Task<HeartbeatResult> HeartbeatAsync(string gatewayId);

    /// <summary>Silences the device for maintenance, or lifts the silence.</summary>
    [Alias("SetSilenced")]
    Task<DeviceStatus> SetSilencedAsync(bool silenced, string reason);

    /// <summary>
    /// An incident this device's alert opened was dismissed as a false alarm (counted once per incident).
    /// </summary>
    [Alias("RecordFalseAlarm")]
    Task RecordFalseAlarmAsync(string incidentNumber);
}

[GenerateSerializer, Immutable, Alias("Dispatch.DeviceStatus")]
public sealed record DeviceStatus(
    [property: Id(0)] Device Device,
    [property: Id(1)] DateTimeOffset? LastHeartbeat,
    [property: Id(2)] bool Online,
    [property: Id(3)] bool Silenced,
    [property: Id(4)] string? MaintenanceIncident,
    [property: Id(5)] long Alerts,
    [property: Id(6)] long IncidentsOpened,
    [property: Id(7)] long FalseAlarms
)
{
    public double FalseAlarmRate => IncidentsOpened == 0 ? 0 : (double)FalseAlarms / IncidentsOpened;
}

/// <summary>
/// A heartbeat taken (with the maintenance incident it closed, if any), or refused with the field at fault.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dispatch.HeartbeatResult")]
public sealed record HeartbeatResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] FieldProblem? Problem,
    [property: Id(2)] string? ResolvedIncident
);

/// <summary>The device as registered, or the problem that refused the registration (naming the field).</summary>
[GenerateSerializer, Immutable, Alias("Dispatch.DeviceRegistered")]
public sealed record DeviceRegistered([property: Id(0)] DeviceStatus? Status, [property: Id(1)] FieldProblem? Problem);
