using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// An alert from a sensing device, as a gateway reported it. <see cref="AlertId"/> is unique per gateway and makes
/// retries safe; <see cref="DedupKey"/> (device and type unless the gateway sets one) groups repeats of one problem.
/// </summary>
public sealed record Alert(
    string AlertId,
    string DeviceId,
    string GatewayId,
    string Type,
    DateTimeOffset ObservedAt,
    GeoPoint Location,
    int Severity,
    Detection? Detection = null,
    IReadOnlyDictionary<string, string>? Attributes = null,
    string? DedupKey = null
)
{
    /// <summary>The prefix of a gateway-scoped dedup key.</summary>
    public const string GatewayKeyPrefix = "gw:";

    /// <summary>
    /// The key that repeats of one problem share. A key the gateway sets is scoped to the gateway and shared by all
    /// of its devices: <c>gw:{gateway}/{key}</c>. Without one, it is the device's own: <c>{device}/{type}</c>.
    /// </summary>
    public string EffectiveDedupKey =>
        string.IsNullOrWhiteSpace(DedupKey) ? $"{DeviceId}/{Type}" : $"{GatewayKeyPrefix}{GatewayId}/{DedupKey}";

    /// <summary>
    /// Whether <see cref="EffectiveDedupKey"/> is shared by the gateway's devices rather than the device's own: its
    /// dedup window must then be kept where every device of the gateway finds it, not with one device.
    /// </summary>
    public bool HasGatewayKey => !string.IsNullOrWhiteSpace(DedupKey);
}

/// <summary>What an AI camera's model saw: which model, how sure, where in the image.</summary>
public sealed record Detection(
    string Model,
    string ModelVersion,
    double Confidence,
    IReadOnlyList<Box> Boxes,
    string? ImageRef = null
);

/// <summary>A bounding box in image coordinates normalised to 0…1.</summary>
public readonly record struct Box(double X, double Y, double Width, double Height, string? Label = null);

/// <summary>What became of an alert.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Disposition>))]
public enum Disposition
{
    /// <summary>It opened a new incident.</summary>
    NewIncident,

    /// <summary>
    /// It joined an open incident (same dedup key, or same scenario and grid cell, within the window).
    /// </summary>
    Attached,

    /// <summary>Its alert id was seen before: the first answer again, nothing changed.</summary>
    DuplicateReplay,

    /// <summary>The device is silenced for maintenance: recorded, no incident.</summary>
    Suppressed,

    /// <summary>Refused; the reason names the field.</summary>
    Rejected,
}

/// <summary>The answer to one alert, sent once its effect is durable.</summary>
public sealed record AlertAck(
    string AlertId,
    Disposition Disposition,
    string? IncidentNumber = null,
    string? Reason = null,
    string? Field = null,
    bool NotPermitted = false
)
{
    /// <summary>The answer to this alert id sent again: the first answer's incident, marked as a replay.</summary>
    public AlertAck AsReplay() =>
        Disposition == Disposition.DuplicateReplay
            ? this
            : this with
            {
                Disposition = Disposition.DuplicateReplay,
                Reason = $"alert {AlertId} was answered before: {Disposition} {IncidentNumber}".TrimEnd(),
            };
}

/// <summary>
/// A registered sensing device (感知设备): where it is, what it watches, which gateway speaks for it, who maintains it.
/// </summary>
public sealed record Device(
    string Id,
    string GatewayId,
    string Scenario,
    string Kind,
    GeoPoint Location,
    string Street,
    string OwnerUnit,
    string Cell
);

/// <summary>How an incident opened by an alert names its source: <c>device/{deviceId}/alert/{alertId}</c>.</summary>
public static class AlertSource
{
    public static string Of(string deviceId, string alertId) => $"device/{deviceId}/alert/{alertId}";

    /// <summary>
    /// The device behind a source reference, or null when the incident did not come from a device's alert.
    /// </summary>
    public static string? DeviceOf(string? sourceRef) =>
        sourceRef?.Split('/') is ["device", var device, "alert", ..] ? device : null;
}
