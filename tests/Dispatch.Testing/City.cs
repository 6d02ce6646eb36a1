using Dispatch.Protos.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Tests;

/// <summary>Devices and alerts of a small test city.</summary>
public static class City
{
    public static readonly GeoPoint CreekBank = new() { Lat = 31.2452, Lon = 121.4105 };
    public static readonly GeoPoint Site = new() { Lat = 31.2431, Lon = 121.4398 };

    public static DeviceRegistration Camera(string id, string gateway, GeoPoint? at = null) =>
        new()
        {
            DeviceId = id,
            GatewayId = gateway,
            Scenario = "creek",
            Kind = "camera",
            Location = at ?? CreekBank,
            Street = "CYXC",
            OwnerUnit = "OPS",
        };

    public static DeviceRegistration DustSensor(string id, string gateway) =>
        new()
        {
            DeviceId = id,
            GatewayId = gateway,
            Scenario = "site",
            Kind = "dust-sensor",
            Location = Site,
            Street = "CSL",
            OwnerUnit = "CONS",
        };

    public static Alert Alert(
        string device,
        string type,
        GeoPoint? at = null,
        double? confidence = null,
        string? id = null
    ) =>
        new()
        {
            AlertId = id ?? Guid.NewGuid().ToString("N"),
            DeviceId = device,
            Type = type,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-2)),
            Location = at ?? CreekBank,
            Severity = 3,
            Detection = confidence is { } c
                ? new Detection
                {
                    Model = "bank-watch",
                    ModelVersion = "3.2",
                    Confidence = c,
                    ImageRef = "frames/1.jpg",
                    Boxes =
                    {
                        new BoundingBox
                        {
                            X = 0.4,
                            Y = 0.5,
                            Width = 0.1,
                            Height = 0.2,
                            Label = "person",
                        },
                    },
                }
                : null,
        };
}
