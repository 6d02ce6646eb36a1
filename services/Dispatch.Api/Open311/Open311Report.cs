using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dispatch.Domain;
using Microsoft.Extensions.Primitives;

namespace Dispatch.Api.Open311;

/// <summary>Why an Open311 call was refused: the HTTP status, and a message that names the parameter first.</summary>
internal sealed class Open311Refused(int status, string message) : Exception(message)
{
    public int Status => status;
}

/// <summary>A POST of a service request that passed every check, ready to be reported as an incident.</summary>
internal sealed record Open311Report(
    string Client,
    IncidentType Type,
    GeoPoint Location,
    string Street,
    string Description,
    Reporter? Reporter,
    string? MediaUrl,
    string? AccountId
);

/// <summary>
/// Reads and checks the form of <c>POST requests</c>, in the spec's terms: <c>api_key</c> (403 when missing or not
/// known), <c>service_code</c> (400 when missing or malformed, 404 when it is no service here), the position as
/// <c>lat</c> and <c>long</c>, else <c>address_id</c>, else <c>address_string</c> (located by the
/// <see cref="Gazetteer"/>; lat and long win when given), <c>description</c> (at most 4,000 characters, as the
/// spec says; an address_string is appended to it for the dispatchers), <c>first_name</c> and <c>last_name</c>
/// with <c>phone</c> (the reporter, never shown to the public), <c>email</c>, <c>device_id</c>,
/// <c>account_id</c> (answered back) and <c>media_url</c> (an absolute http or https URL of at most 2,048
/// characters). Every text has a maximum length and no control or bidirectional formatting characters (line
/// breaks and tabs only in the description); a parameter given twice is refused. email and device_id are
/// checked but not kept. <c>jurisdiction_id</c> and <c>attribute[…]</c> are ignored: there is one jurisdiction,
/// and its services define no attributes.
/// </summary>
internal static partial class Open311Reports
{
    public const int MaxDescription = 4000;
    public const int MaxMediaUrl = 2048;
    private const int MaxAddress = 500;
    private const int MaxName = 64;
    private const int MaxId = 128;
    private const int MaxEmail = 254;

    public static Open311Report Read(
        IFormCollection form,
        Catalog catalog,
        Gazetteer gazetteer,
        IReadOnlyDictionary<string, string> keys
    )
    {
        if (Text(form, "api_key", MaxId) is not { } key || !keys.TryGetValue(key, out var client))
            throw new Open311Refused(StatusCodes.Status403Forbidden, "api_key: missing or not known");
        var type = Service(catalog, Text(form, "service_code", MaxId));
        var (location, located) = Locate(form, catalog, gazetteer);
        var description = Text(form, "description", MaxDescription, multiline: true) ?? type.Zh;
        if (Text(form, "address_string", MaxAddress) is { } address)
            description = $"{description}（{address}）";
        string?[] names = [Text(form, "first_name", MaxName), Text(form, "last_name", MaxName)];
        var name = string.Join(' ', names.OfType<string>());
        var phone = Text(form, "phone", 32);
        if (phone is not null && !Phone().IsMatch(phone))
            throw Bad("phone: must be digits, with + ( ) - or spaces");
        if (Text(form, "email", MaxEmail) is { } email && !Email().IsMatch(email))
            throw Bad("email: is not an e-mail address");
        // Checked like every text, but not kept: an incident's reporter is a name and a phone.
        _ = Text(form, "device_id", MaxId);
        var media = MediaUrl(Text(form, "media_url", MaxMediaUrl));
        var street = located?.Street ?? catalog.Streets.MinBy(s => s.Centre.MetresTo(location))!.Code;
        return new Open311Report(
            client,
            type,
            location,
            street,
            description,
            name.Length > 0 ? new Reporter(name, phone) : null,
            media,
            Text(form, "account_id", MaxId)
        );
    }

    /// <summary>A service of this jurisdiction: an incident type of the catalog but the devices' maintenance.</summary>
    public static IncidentType Service(Catalog catalog, string? code)
    {
        if (code is null)
            throw Bad("service_code: required");
        if (!ServiceCode().IsMatch(code))
            throw Bad($"service_code: '{Echo(code)}' is not a service code");
        return catalog.FindType(code) is { } type && type.Scenario != DevicePolicy.MaintenanceScenario
            ? type
            : throw new Open311Refused(
                StatusCodes.Status404NotFound,
                $"service_code: '{code}' is not a service of this jurisdiction"
            );
    }

    /// <summary>Lat and long when given, else the place an address_id or address_string names.</summary>
    private static (GeoPoint At, Place? Place) Locate(IFormCollection form, Catalog catalog, Gazetteer gazetteer)
    {
        var (lat, lon) = (Text(form, "lat", 32), Text(form, "long", 32));
        if (lat is not null || lon is not null)
        {
            var latitude = Coordinate("lat", lat, "long");
            var longitude = Coordinate("long", lon, "lat");
            var at = new GeoPoint(latitude, longitude);
            if (!at.IsValid || !catalog.District.Bounds.Contains(at))
                throw Bad($"lat and long: ({lat}, {lon}) is outside {catalog.District.En}");
            return (at, null);
        }
        if (Text(form, "address_id", MaxId) is { } id)
            return gazetteer.Find(id) is { } place
                ? (place.Position, place)
                : throw Bad($"address_id: '{Echo(id)}' is not a place of {catalog.District.En} known here");
        if (Text(form, "address_string", MaxAddress) is { } address)
            return gazetteer.Locate(address) is { } place
                ? (place.Position, place)
                : throw Bad(
                    $"address_string: '{Echo(address)}' could not be located in {catalog.District.Zh} "
                        + $"({catalog.District.En}): name a road, landmark or street of the district, "
                        + "or send lat and long"
                );
        throw Bad("lat and long, address_string or address_id: one is required to locate the request");
    }

    private static double Coordinate(string name, string? text, string other) =>
        text is null ? throw Bad($"{name}: required with {other}")
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        && double.IsFinite(value)
            ? value
        : throw Bad($"{name}: '{Echo(text)}' is not a number of degrees");

    /// <summary>
    /// An absolute http(s) URL without credentials. It is shown back to the public, never fetched by the server,
    /// so nothing is checked about where it points.
    /// </summary>
    private static string? MediaUrl(string? url)
    {
        if (url is null)
            return null;
        if (
            url.Any(char.IsWhiteSpace)
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.Host.Length == 0
        )
            throw Bad("media_url: must be an absolute http or https URL");
        if (uri.UserInfo.Length > 0)
            throw Bad("media_url: must not carry a user name or password");
        return url;
    }

    /// <summary>
    /// One value of a form or query parameter, trimmed; null when absent or empty. Refused when given twice,
    /// longer than <paramref name="max"/>, or holding control or bidirectional formatting characters.
    /// </summary>
    public static string? Text(IFormCollection form, string name, int max, bool multiline = false) =>
        Text(name, form[name], max, multiline);

    public static string? Text(string name, StringValues values, int max, bool multiline = false)
    {
        if (values.Count > 1)
            throw Bad($"{name}: given {values.Count} times");
        if (values.FirstOrDefault()?.Trim() is not { Length: > 0 } value)
            return null;
        if (value.Length > max)
            throw Bad($"{name}: {value.Length} characters is more than the {max} allowed");
        if (value.EnumerateRunes().Any(r => Forbidden(r, multiline)))
            throw Bad($"{name}: contains control or bidirectional formatting characters");
        return value;
    }

    private static bool Forbidden(Rune rune, bool multiline) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => !(multiline && rune.Value is '\n' or '\r' or '\t'),
            UnicodeCategory.Format => rune.Value
                is (>= 0x202A and <= 0x202E)
                    or (>= 0x2066 and <= 0x2069)
                    or 0x200E
                    or 0x200F
                    or 0x061C,
            _ => false,
        };

    /// <summary>A value as a message may quote it: short, and on one line.</summary>
    public static string Echo(string value)
    {
        var shown = new string([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 64 ? shown + "…" : shown;
    }

    public static Open311Refused Bad(string message) => new(StatusCodes.Status400BadRequest, message);

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,64}$")]
    private static partial Regex ServiceCode();

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]{2,31}$")]
    private static partial Regex Phone();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();
}
