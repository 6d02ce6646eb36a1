using System.Collections.Immutable;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// What a <see cref="DeviceGrain"/> keeps in grain storage: its registration and health. Written rarely (a
/// registration, a silence, a false alarm, a maintenance incident, an occasional heartbeat); what alerts change lives
/// in the device's journal instead (see <see cref="AnswerMemory"/>).
/// </summary>
public sealed record DeviceRecord
{
    public Device? Device { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset? LastHeartbeat { get; init; }
    public bool Silenced { get; init; }
    public string? SilenceReason { get; init; }

    /// <summary>The open maintenance incident while the device is offline.</summary>
    public string? MaintenanceIncident { get; init; }
    public long FalseAlarms { get; init; }

    /// <summary>Incidents already counted as false alarms, so that each counts once.</summary>
    public ImmutableList<string> FalseAlarmIncidents { get; init; } = [];
}
