using Dispatch.Domain;

namespace Dispatch.Abstractions;

// Orleans codecs for the domain types on the alert path (alerts, answers, devices, windows), by surrogate: the
// domain stays free of Orleans attributes, and these types cross a grain boundary as Orleans' compact binary rather
// than as JSON. Every other domain type crosses as JSON (see DispatchSerialization).

[GenerateSerializer, Alias("Dispatch.GeoPoint")]
public struct GeoPointSurrogate
{
    [Id(0)]
    public double Lat;

    [Id(1)]
    public double Lon;
}

[RegisterConverter]
public sealed class GeoPointConverter : IConverter<GeoPoint, GeoPointSurrogate>
{
    public GeoPoint ConvertFromSurrogate(in GeoPointSurrogate s) => new(s.Lat, s.Lon);

    public GeoPointSurrogate ConvertToSurrogate(in GeoPoint v) => new() { Lat = v.Lat, Lon = v.Lon };
}

[GenerateSerializer, Alias("Dispatch.Box")]
public struct BoxSurrogate
{
    [Id(0)]
    public double X;

    [Id(1)]
    public double Y;

    [Id(2)]
    public double Width;

    [Id(3)]
    public double Height;

    [Id(4)]
    public string? Label;
}

[RegisterConverter]
public sealed class BoxConverter : IConverter<Box, BoxSurrogate>
{
    public Box ConvertFromSurrogate(in BoxSurrogate s) => new(s.X, s.Y, s.Width, s.Height, s.Label);

    public BoxSurrogate ConvertToSurrogate(in Box v) =>
        new()
        {
            X = v.X,
            Y = v.Y,
            Width = v.Width,
            Height = v.Height,
            Label = v.Label,
        };
}

[GenerateSerializer, Alias("Dispatch.Detection")]
public struct DetectionSurrogate
{
    [Id(0)]
    public string Model;

    [Id(1)]
    public string ModelVersion;

    [Id(2)]
    public double Confidence;

    [Id(3)]
    public Box[] Boxes;

    [Id(4)]
    public string? ImageRef;
}

[RegisterConverter]
public sealed class DetectionConverter : IConverter<Detection, DetectionSurrogate>
{
    public Detection ConvertFromSurrogate(in DetectionSurrogate s) =>
        new(s.Model, s.ModelVersion, s.Confidence, s.Boxes ?? [], s.ImageRef);

    public DetectionSurrogate ConvertToSurrogate(in Detection v) =>
        new()
        {
            Model = v.Model,
            ModelVersion = v.ModelVersion,
            Confidence = v.Confidence,
            Boxes = [.. v.Boxes],
            ImageRef = v.ImageRef,
        };
}

[GenerateSerializer, Alias("Dispatch.Alert")]
public struct AlertSurrogate
{
    [Id(0)]
    public string AlertId;

    [Id(1)]
    public string DeviceId;

    [Id(2)]
    public string GatewayId;

    [Id(3)]
    public string Type;

    [Id(4)]
    public DateTimeOffset ObservedAt;

    [Id(5)]
    public GeoPoint Location;

    [Id(6)]
    public int Severity;

    [Id(7)]
    public Detection? Detection;

    [Id(8)]
    public Dictionary<string, string>? Attributes;

    [Id(9)]
    public string? DedupKey;
}

[RegisterConverter]
public sealed class AlertConverter : IConverter<Alert, AlertSurrogate>
{
    public Alert ConvertFromSurrogate(in AlertSurrogate s) =>
        new(
            s.AlertId,
            s.DeviceId,
            s.GatewayId,
            s.Type,
            s.ObservedAt,
            s.Location,
            s.Severity,
            s.Detection,
            s.Attributes,
            s.DedupKey
        );

    public AlertSurrogate ConvertToSurrogate(in Alert v) =>
        new()
        {
            AlertId = v.AlertId,
            DeviceId = v.DeviceId,
            GatewayId = v.GatewayId,
            Type = v.Type,
            ObservedAt = v.ObservedAt,
            Location = v.Location,
            Severity = v.Severity,
            Detection = v.Detection,
            Attributes = v.Attributes is null ? null : new Dictionary<string, string>(v.Attributes),
            DedupKey = v.DedupKey,
        };
}

[GenerateSerializer, Alias("Dispatch.AlertAck")]
public struct AlertAckSurrogate
{
    [Id(0)]
    public string AlertId;

    [Id(1)]
    public Disposition Disposition;

    [Id(2)]
    public string? IncidentNumber;

    [Id(3)]
    public string? Reason;

    [Id(4)]
    public string? Field;

    [Id(5)]
    public bool NotPermitted;
}

[RegisterConverter]
public sealed class AlertAckConverter : IConverter<AlertAck, AlertAckSurrogate>
{
    public AlertAck ConvertFromSurrogate(in AlertAckSurrogate s) =>
        new(s.AlertId, s.Disposition, s.IncidentNumber, s.Reason, s.Field, s.NotPermitted);

    public AlertAckSurrogate ConvertToSurrogate(in AlertAck v) =>
        new()
        {
            AlertId = v.AlertId,
            Disposition = v.Disposition,
            IncidentNumber = v.IncidentNumber,
            Reason = v.Reason,
            Field = v.Field,
            NotPermitted = v.NotPermitted,
        };
}

[GenerateSerializer, Alias("Dispatch.Device")]
public struct DeviceSurrogate
{
    [Id(0)]
    public string Id;

    [Id(1)]
    public string GatewayId;

    [Id(2)]
    public string Scenario;

    [Id(3)]
    public string Kind;

    [Id(4)]
    public GeoPoint Location;

    [Id(5)]
    public string Street;

    [Id(6)]
    public string OwnerUnit;

    [Id(7)]
    public string Cell;
}

[RegisterConverter]
public sealed class DeviceConverter : IConverter<Device, DeviceSurrogate>
{
    public Device ConvertFromSurrogate(in DeviceSurrogate s) =>
        new(s.Id, s.GatewayId, s.Scenario, s.Kind, s.Location, s.Street, s.OwnerUnit, s.Cell);

    public DeviceSurrogate ConvertToSurrogate(in Device v) =>
        new()
        {
            Id = v.Id,
            GatewayId = v.GatewayId,
            Scenario = v.Scenario,
            Kind = v.Kind,
            Location = v.Location,
            Street = v.Street,
            OwnerUnit = v.OwnerUnit,
            Cell = v.Cell,
        };
}

[GenerateSerializer, Alias("Dispatch.DedupEntry")]
public struct DedupEntrySurrogate
{
    [Id(0)]
    public string Key;

    [Id(1)]
    public string Incident;

    [Id(2)]
    public string Type;

    [Id(3)]
    public Priority Priority;

    [Id(4)]
    public DateTimeOffset Until;
}

[RegisterConverter]
public sealed class DedupEntryConverter : IConverter<DedupEntry, DedupEntrySurrogate>
{
    public DedupEntry ConvertFromSurrogate(in DedupEntrySurrogate s) =>
        new(s.Key, s.Incident, s.Type, s.Priority, s.Until);

    public DedupEntrySurrogate ConvertToSurrogate(in DedupEntry v) =>
        new()
        {
            Key = v.Key,
            Incident = v.Incident,
            Type = v.Type,
            Priority = v.Priority,
            Until = v.Until,
        };
}
