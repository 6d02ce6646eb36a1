namespace Dispatch.Domain;

/// <summary>Whether an alert can be taken in at all; the first problem found, naming the field.</summary>
public static class AlertRules
{
    public const int MaxIdLength = 128;

    /// <summary>
    /// The first problem of the alert as a rejection naming the field, or null when it can be taken in.
    /// </summary>
    public static AlertAck? Reject(Alert alert, Device? device, Catalog catalog, DateTimeOffset now) =>
        Problem(alert, device, catalog, now) is { } p
            ? new AlertAck(
                alert.AlertId,
                Disposition.Rejected,
                null,
                p.Problem.Message,
                p.Problem.Field,
                p.NotPermitted
            )
            : null;

    /// <summary>
    /// The first problem of the alert, naming the field; <c>NotPermitted</c> when the gateway speaks for a device
    /// that is not its own.
    /// </summary>
    public static (FieldProblem Problem, bool NotPermitted)? Problem(
        Alert alert,
        Device? device,
        Catalog catalog,
        DateTimeOffset now
    )
    {
        static (FieldProblem, bool) No(string field, string problem, bool notPermitted = false) =>
            (new FieldProblem(field, problem), notPermitted);

        if (string.IsNullOrWhiteSpace(alert.AlertId) || alert.AlertId.Length > MaxIdLength)
            return No("alert_id", $"is required, at most {MaxIdLength} characters");
        if (device is null)
            return No("device_id", $"device '{alert.DeviceId}' is not registered");
        if (device.GatewayId != alert.GatewayId)
            return No(
                "device_id",
                $"device '{alert.DeviceId}' is not registered to gateway '{alert.GatewayId}'",
                notPermitted: true
            );
        if (catalog.FindType(alert.Type) is not { } type)
            return No("type", $"'{alert.Type}' is not an incident type of the catalog");
        if (type.Scenario != device.Scenario)
            return No(
                "type",
                $"'{alert.Type}' belongs to scenario {type.Scenario}, not to the device's scenario {device.Scenario}"
            );
        if (!alert.Location.IsValid)
            return No("location", "is not a WGS-84 position");
        if (!catalog.District.Bounds.Contains(alert.Location))
            return No("location", $"({alert.Location.Lat}, {alert.Location.Lon}) lies outside {catalog.District.En}");
        var policy = catalog.Devices;
        if (alert.ObservedAt > now + policy.AlertMaxAhead.Length(TimeSpan.Zero))
            return No("observed_at", $"{alert.ObservedAt:O} lies more than {policy.AlertMaxAhead} in the future");
        if (alert.ObservedAt < now - policy.AlertMaxAge.Length(TimeSpan.Zero))
            return No("observed_at", $"{alert.ObservedAt:O} is older than {policy.AlertMaxAge}");
        if (alert.Severity is < 1 or > 5)
            return No("severity", "must lie between 1 and 5");
        if (alert.Detection is { } detection)
        {
            if (!(detection.Confidence is >= 0 and <= 1))
                return No("detection.confidence", "must lie between 0 and 1");
            if (detection.Boxes.Any(b => !(Unit(b.X) && Unit(b.Y) && Unit(b.Width) && Unit(b.Height))))
                return No(
                    "detection.boxes",
                    "each box's x, y, width and height must lie between 0 and 1 (normalised image coordinates)"
                );
        }
        return null;
    }

    private static bool Unit(double value) => value is >= 0 and <= 1;
}

/// <summary>Grid cells (网格) of a fixed size, for correlating alerts that happen at one place.</summary>
public static class GridCell
{
    private const double MetersPerDegree = 111_320;

    /// <summary>
    /// The cell of a position, as "row:column" of cells <paramref name="meters"/> wide, east–west scaled at
    /// <paramref name="referenceLatitude"/>.
    /// </summary>
    public static string Of(GeoPoint point, int meters, double referenceLatitude)
    {
        var row = (long)Math.Floor(point.Lat * MetersPerDegree / meters);
        var column = (long)
            Math.Floor(point.Lon * MetersPerDegree * Math.Cos(referenceLatitude * Math.PI / 180) / meters);
        return $"{row}:{column}";
    }

    public static string Of(GeoPoint point, Catalog catalog) =>
        Of(point, catalog.Devices.GridCellMeters, (catalog.District.Bounds.South + catalog.District.Bounds.North) / 2);
}

/// <summary>A request to register (or re-register) a device, checked against the catalog.</summary>
public sealed record DeviceRegistration(
    string DeviceId,
    string GatewayId,
    string Scenario,
    string Kind,
    GeoPoint Location,
    string Street,
    string OwnerUnit
)
{
    /// <summary>The device, or the first problem naming the field.</summary>
    public (Device? Device, FieldProblem? Problem) Check(Catalog catalog)
    {
        static (Device?, FieldProblem?) No(string field, string problem) => (null, new FieldProblem(field, problem));
        if (string.IsNullOrWhiteSpace(DeviceId) || DeviceId.Length > AlertRules.MaxIdLength)
            return No("device_id", $"is required, at most {AlertRules.MaxIdLength} characters");
        if (string.IsNullOrWhiteSpace(GatewayId))
            return No("gateway_id", "is required");
        if (catalog.FindScenario(Scenario) is null)
            return No("scenario", $"'{Scenario}' is not a scenario of the catalog");
        if (string.IsNullOrWhiteSpace(Kind))
            return No("kind", "is required");
        if (!Location.IsValid || !catalog.District.Bounds.Contains(Location))
            return No("location", $"must lie inside {catalog.District.En}");
        if (catalog.FindStreet(Street) is null)
            return No("street", $"'{Street}' is not a street of {catalog.District.En}");
        if (catalog.FindUnit(OwnerUnit) is null)
            return No("owner_unit", $"'{OwnerUnit}' is not a unit of the catalog");
        return (
            new Device(
                DeviceId,
                GatewayId,
                Scenario,
                Kind,
                Location,
                Street,
                OwnerUnit,
                GridCell.Of(Location, catalog)
            ),
            null
        );
    }
}
