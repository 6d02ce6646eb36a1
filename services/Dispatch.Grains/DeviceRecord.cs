using System.Collections.Immutable;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// What a <see cref="DeviceGrain"/> keeps in storage. Immutable, because a write in flight may still be reading
/// the previous one while the next alert is taken in.
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
    public long IncidentsOpened { get; init; }
    public long FalseAlarms { get; init; }
    /// <summary>Incidents already counted as false alarms, so that each counts once.</summary>
    public ImmutableList<string> FalseAlarmIncidents { get; init; } = [];
    /// <summary>Open dedup windows: dedup key → incident and until when alerts with that key join it.</summary>
    public ImmutableDictionary<string, DedupWindow> Dedup { get; init; } = ImmutableDictionary<string, DedupWindow>.Empty;
}

public sealed record DedupWindow(string Incident, DateTimeOffset Until);
