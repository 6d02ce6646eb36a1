using System.Globalization;
using System.Text.Json.Serialization;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Microsoft.Extensions.Options;

namespace Dispatch.Api.Open311;

/// <summary>
/// Open311 GeoReport v2 (JSON) over the catalog and the incidents, so that existing citizen and hotline clients
/// can report cases and follow them: services are the catalog's incident types, requests are incidents. Creating
/// a request needs an api_key from <see cref="ApiOptions.Open311Keys"/>; an <c>Idempotency-Key</c> header makes a
/// retried create answer with the same request. Public queries never show the reporter, and cases of scenarios
/// with personal data are shown masked. XML is not offered (format .json only).
/// </summary>
public static class Open311Endpoints
{
    private const string Base = "/open311/v2";
    private const int MaxRequests = 1000;
    private static readonly TimeSpan DefaultQueryWindow = TimeSpan.FromDays(90);

    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Base);
        group.MapGet("/services.json", (Catalog catalog) => Results.Json(Services(catalog)));
        group.MapGet("/services/{code}.json", (string code, Catalog catalog) =>
            catalog.FindType(code) is { } type && type.Scenario != DevicePolicy.MaintenanceScenario
                ? Results.Json(new ServiceDefinition(type.Code, []))
                : Error(404, $"service_code: '{code}' is not a service of this jurisdiction"));
        group.MapPost("/requests.json", CreateAsync).DisableAntiforgery();
        group.MapGet("/requests.json", QueryAsync);
        group.MapGet("/requests/{id}.json", async (string id, ReadModelStore store, Catalog catalog) =>
            await store.GetAsync(id) is { } incident && Public(incident)
                ? Results.Json(new[] { RequestOf(incident, catalog) })
                : Error(404, $"service_request_id: '{id}' not found"));
        return app;
    }

    private static IEnumerable<Service> Services(Catalog catalog) =>
        from scenario in catalog.Scenarios.OrderBy(s => s.Id)
        from type in scenario.Types
        select new Service(type.Code, type.Zh, $"{type.En} ({scenario.En})", false, "realtime", $"{scenario.Zh},{type.En}", scenario.Zh);

    private static async Task<IResult> CreateAsync(HttpRequest http, IGrainFactory grains, Catalog catalog, IOptions<ApiOptions> options)
    {
        if (!http.HasFormContentType) return Error(400, "the request must be form-encoded (application/x-www-form-urlencoded)");
        var form = await http.ReadFormAsync();
        string? Field(string name) => form[name].FirstOrDefault() is { Length: > 0 } value ? value.Trim() : null;
        if (Field("api_key") is not { } key || !options.Value.Open311Keys.TryGetValue(key, out var client))
            return Error(403, "api_key: missing or not known");
        if (catalog.FindType(Field("service_code")) is not { } type || type.Scenario == DevicePolicy.MaintenanceScenario)
            return Error(400, $"service_code: '{Field("service_code")}' is not a service of this jurisdiction");
        if (!double.TryParse(Field("lat"), CultureInfo.InvariantCulture, out var lat) || !double.TryParse(Field("long"), CultureInfo.InvariantCulture, out var lon))
            return Error(400, "lat and long: required (this jurisdiction locates requests by position)");
        var at = new GeoPoint(lat, lon);
        if (!at.IsValid || !catalog.District.Bounds.Contains(at)) return Error(400, $"lat and long: ({lat}, {lon}) is outside {catalog.District.En}");
        var street = catalog.Streets.MinBy(s => s.Centre.MetresTo(at))!;
        var name = string.Join(' ', new[] { Field("first_name"), Field("last_name") }.OfType<string>());
        var description = Field("description") ?? type.Zh;
        if (Field("address_string") is { } address) description = $"{description}（{address}）";
        var commandId = http.Headers["Idempotency-Key"].FirstOrDefault() is { Length: > 0 } idem ? $"open311:{idem}" : $"open311:{Guid.NewGuid():N}";
        var result = await grains.GetGrain<IIncidentIntakeGrain>(0).ReportAsync(new ReportIncident(
            commandId, new Actor($"open311:{client}", Role.Citizen), type.Code, Channel.CitizenApp, street.Code, description, at,
            name.Length > 0 ? new Reporter(name, Field("phone")) : null, null, null, $"open311/{client}"));
        return result.Refusal is { } refusal
            ? Error(400, refusal.Message)
            : Results.Json(new[] { new Created(result.IncidentNumber, $"受理编号 {result.IncidentNumber}", null) });
    }

    private static async Task<IResult> QueryAsync(HttpRequest http, ReadModelStore store, Catalog catalog, TimeProvider time)
    {
        var q = http.Query;
        IEnumerable<Incident> found;
        if (q["service_request_id"].FirstOrDefault() is { Length: > 0 } ids)
        {
            found = await store.GetManyAsync(ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxRequests));
        }
        else
        {
            if (!Date(q["start_date"], out var start) || !Date(q["end_date"], out var end)) return Error(400, "start_date and end_date: must be w3c date-times");
            var to = end ?? time.GetUtcNow();
            var from = start ?? to - DefaultQueryWindow;
            var status = q["status"].FirstOrDefault();
            if (status is not (null or "" or "open" or "closed")) return Error(400, $"status: '{status}' is not open or closed");
            var codes = (q["service_code"].FirstOrDefault() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var query = new IncidentQuery
            {
                ReportedFrom = from, ReportedTo = to, OpenOnly = status == "open",
                States = status == "closed" ? [nameof(IncidentState.Closed), nameof(IncidentState.Dismissed), nameof(IncidentState.Merged)] : [],
            };
            (found, _) = await store.ListAsync(query, null, 0, MaxRequests, codes.Length == 0 ? null : i => codes.Contains(i.Type));
        }
        return Results.Json(found.Where(i => Public(i)).Select(i => RequestOf(i, catalog)));
    }

    private static bool Date(Microsoft.Extensions.Primitives.StringValues value, out DateTimeOffset? date)
    {
        date = null;
        if (value.FirstOrDefault() is not { Length: > 0 } text) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        date = parsed;
        return true;
    }

    /// <summary>Maintenance incidents of devices are internal; everything else is a public request.</summary>
    private static bool Public(Incident incident) => incident.Scenario != DevicePolicy.MaintenanceScenario;

    /// <summary>
    /// A request as the public sees it: no reporter ever; and for scenarios with personal data (relief, group
    /// rental) no description and no position either, only the type, the street and the progress.
    /// </summary>
    private static ServiceRequest RequestOf(Incident incident, Catalog catalog)
    {
        var personal = catalog.FindScenario(incident.Scenario) is { PersonalData: true };
        var type = catalog.FindType(incident.Type);
        var handling = incident.Clock(Stage.Handling)?.DueAt(catalog.Calendar);
        return new ServiceRequest(
            incident.Number, incident.IsOpen ? "open" : "closed", incident.State.ToString(), type?.Zh ?? incident.Type, incident.Type,
            personal ? type?.Zh ?? incident.Type : Masking.Text(incident.Description),
            incident.Lead is { } lead ? catalog.FindUnit(lead.Unit)?.Zh ?? lead.Unit : null, null,
            incident.ReportedAt, null, handling, catalog.FindStreet(incident.Street)?.Zh, null, null,
            personal ? null : incident.Location?.Lat, personal ? null : incident.Location?.Lon, null);
    }

    private static IResult Error(int code, string description) =>
        Results.Json(new[] { new Open311Error(code, description) }, statusCode: code);

    private sealed record Service(
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("service_name")] string ServiceName,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("metadata")] bool Metadata,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("keywords")] string Keywords,
        [property: JsonPropertyName("group")] string Group);

    private sealed record ServiceDefinition(
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("attributes")] IReadOnlyList<object> Attributes);

    private sealed record Created(
        [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
        [property: JsonPropertyName("service_notice")] string ServiceNotice,
        [property: JsonPropertyName("account_id")] string? AccountId);

    private sealed record ServiceRequest(
        [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("status_notes")] string StatusNotes,
        [property: JsonPropertyName("service_name")] string ServiceName,
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("agency_responsible")] string? AgencyResponsible,
        [property: JsonPropertyName("service_notice")] string? ServiceNotice,
        [property: JsonPropertyName("requested_datetime")] DateTimeOffset RequestedDatetime,
        [property: JsonPropertyName("updated_datetime")] DateTimeOffset? UpdatedDatetime,
        [property: JsonPropertyName("expected_datetime")] DateTimeOffset? ExpectedDatetime,
        [property: JsonPropertyName("address")] string? Address,
        [property: JsonPropertyName("address_id")] string? AddressId,
        [property: JsonPropertyName("zipcode")] string? Zipcode,
        [property: JsonPropertyName("lat")] double? Lat,
        [property: JsonPropertyName("long")] double? Long,
        [property: JsonPropertyName("media_url")] string? MediaUrl);

    private sealed record Open311Error(
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("description")] string Description);
}
