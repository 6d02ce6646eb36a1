using Dispatch.Abstractions;
using Google.Protobuf.WellKnownTypes;
using Domain = Dispatch.Domain;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Ingest.Services;

/// <summary>Between the wire's messages and the domain's records.</summary>
public static class ProtoMapping
{
    public static Domain.Alert ToDomain(this V1.Alert a, string gatewayId) =>
        new(
            a.AlertId,
            a.DeviceId,
            gatewayId,
            a.Type,
            a.ObservedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
            a.Location.ToDomain(),
            a.Severity,
            a.Detection is { } d
                ? new Domain.Detection(
                    d.Model,
                    d.ModelVersion,
                    d.Confidence,
                    [.. d.Boxes.Select(b => new Domain.Box(b.X, b.Y, b.Width, b.Height, b.Label))],
                    d.ImageRef
                )
                : null,
            a.Attributes.Count > 0 ? new Dictionary<string, string>(a.Attributes) : null,
            string.IsNullOrEmpty(a.DedupKey) ? null : a.DedupKey
        );

    public static Domain.GeoPoint ToDomain(this V1.GeoPoint? p) =>
        p is null ? new Domain.GeoPoint(double.NaN, double.NaN) : new(p.Lat, p.Lon);

    public static V1.GeoPoint ToProto(this Domain.GeoPoint p) => new() { Lat = p.Lat, Lon = p.Lon };

    public static V1.AlertAck ToProto(this Domain.AlertAck ack) =>
        new()
        {
            AlertId = ack.AlertId,
            Disposition = ack.Disposition switch
            {
                Domain.Disposition.NewIncident => V1.Disposition.NewIncident,
                Domain.Disposition.Attached => V1.Disposition.Attached,
                Domain.Disposition.DuplicateReplay => V1.Disposition.DuplicateReplay,
                Domain.Disposition.Suppressed => V1.Disposition.Suppressed,
                _ => V1.Disposition.Rejected,
            },
            IncidentNumber = ack.IncidentNumber ?? "",
            Reason = ack.Reason ?? "",
            Field = ack.Field ?? "",
        };

    public static V1.DeviceStatus ToProto(this DeviceStatus s) =>
        new()
        {
            Registration = new V1.DeviceRegistration
            {
                DeviceId = s.Device.Id,
                GatewayId = s.Device.GatewayId,
                Scenario = s.Device.Scenario,
                Kind = s.Device.Kind,
                Location = s.Device.Location.ToProto(),
                Street = s.Device.Street,
                OwnerUnit = s.Device.OwnerUnit,
            },
            GridCell = s.Device.Cell,
            LastHeartbeat = s.LastHeartbeat is { } beat ? Timestamp.FromDateTimeOffset(beat) : null,
            Online = s.Online,
            Silenced = s.Silenced,
            MaintenanceIncident = s.MaintenanceIncident ?? "",
            Alerts = s.Alerts,
            IncidentsOpened = s.IncidentsOpened,
            FalseAlarms = s.FalseAlarms,
            FalseAlarmRate = s.FalseAlarmRate,
        };
}
