using System.Globalization;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Polly.Registry;
using IConnectionMultiplexer = StackExchange.Redis.IConnectionMultiplexer;

namespace Dispatch.Api.Open311;

/// <summary>
/// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the catalog and the incidents, so that
/// citizen apps written for that standard can report cases and follow them. Every call answers in the format
/// its path's extension names: <c>.xml</c> (<c>application/xml</c>, the spec's required format, UTF-8 with an
/// XML declaration) or <c>.json</c> (<c>application/json</c>). Errors come in that format too, as the spec's
/// <c>errors/error</c> with <c>code</c> (the HTTP status) and a <c>description</c> that starts with the
/// parameter at fault; any other extension is a 400 in XML.
/// <list type="bullet">
/// <item><c>GET /open311/discovery.{xml|json}</c> (also under <c>/open311/v2/</c>): the service discovery
/// document: <c>changeset</c> (when the catalog's files last changed), <c>contact</c>, <c>key_service</c> and
/// one endpoint (<c>specification</c> this spec, <c>url</c>, <c>changeset</c>, <c>type</c> production or test,
/// <c>formats</c> application/xml and application/json), configured by <see cref="Open311Options"/>.</item>
/// <item><c>GET /open311/v2/services</c>: the catalog's incident types but the devices' maintenance, as
/// <c>services/service</c> (<c>service_code</c>, <c>service_name</c>, <c>description</c>, <c>metadata</c>
/// false, <c>type</c> realtime, <c>keywords</c>, <c>group</c>). <c>GET /open311/v2/services/{service_code}</c>:
/// its <c>service_definition</c>, with no attributes; 404 for a code that is no service, 400 for a malformed
/// one.</item>
/// <item><c>POST /open311/v2/requests</c> (form-encoded, at most 64 KiB; <see cref="Open311Reports"/> lists the
/// parameters and their errors, among them 403 for the api_key and 404 for an unknown service_code): reports an
/// incident (channel CitizenApp, from the api_key's client) and answers <c>service_requests/request</c> with
/// <c>service_request_id</c> (the incident number), <c>service_notice</c> and the <c>account_id</c> given. An
/// <c>Idempotency-Key</c> header makes a retry answer with the same request. A <c>media_url</c> is kept as
/// evidence (<see cref="Open311Media"/>); an <c>address_string</c> alone is located by the
/// <see cref="Gazetteer"/>.</item>
/// <item><c>GET /open311/v2/requests/{service_request_id}</c>: <c>service_requests</c> holding that request,
/// readable as soon as its POST has answered (read from the incident itself until the read model has it);
/// 404 when there is none.</item>
/// <item><c>GET /open311/v2/requests</c>: <c>service_request_id</c> (a comma list of at most 1000, which
/// overrides every other parameter), else <c>service_code</c> (a comma list), <c>start_date</c> and
/// <c>end_date</c> (W3C date-times; by default the 90 days up to now) and <c>status</c> (a comma list of open
/// and closed); newest first, at most 1000. An unknown service_code or status, or a malformed date, is a 400
/// naming it.</item>
/// </list>
/// A request shows all the spec's fields in its order: <c>status</c> open or closed, <c>status_notes</c> (where
/// it stands, in Chinese and English), the lead unit as <c>agency_responsible</c>, <c>requested_datetime</c>,
/// <c>updated_datetime</c> (the latest thing known to have happened to it), <c>expected_datetime</c> (when its
/// handling, or its review, is due), its street as <c>address</c>, <c>lat</c>, <c>long</c> and
/// <c>media_url</c>; <c>service_notice</c>, <c>address_id</c> and <c>zipcode</c> stay empty. The public never
/// sees the reporter: long numbers and the reporter's name are masked in a description; hotline cases show no
/// description; cases of scenarios with personal data (relief, group rental) show no description, position or
/// media. Maintenance incidents of devices are not requests. Date-times are in the district's time zone.
/// </summary>
public static class Open311Endpoints
{
    public const string Specification = "http://wiki.open311.org/GeoReport_v2";
    public const string Base = "/open311/v2";

    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        var api = Open311Api.Create(app.ServiceProvider);
        app.MapGet("/open311/discovery.{format}", (string format, HttpRequest http) => api.Discovery(format, http));
        app.MapGet($"{Base}/discovery.{{format}}", (string format, HttpRequest http) => api.Discovery(format, http));
        app.MapGet($"{Base}/services.{{format}}", (string format) => api.Services(format));
        app.MapGet(
            $"{Base}/services/{{code}}.{{format}}",
            (string code, string format) => api.Definition(code, format)
        );
        app.MapPost($"{Base}/requests.{{format}}", (string format, HttpRequest http) => api.CreateAsync(format, http))
            .DisableAntiforgery();
        app.MapGet($"{Base}/requests.{{format}}", (string format, HttpRequest http) => api.QueryAsync(format, http));
        app.MapGet($"{Base}/requests/{{id}}.{{format}}", (string id, string format) => api.GetAsync(id, format));
        return app;
    }
}

/// <summary>The calls of <see cref="Open311Endpoints"/>.</summary>
internal sealed class Open311Api(
    Catalog catalog,
    Gazetteer gazetteer,
    Open311Media media,
    ReadModelStore store,
    IIncidentStore incidents,
    IGrainFactory grains,
    TimeProvider time,
    IOptions<ApiOptions> apiOptions,
    Open311Options options,
    DateTimeOffset changeset
)
{
    private const int MaxRequests = 1000;
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxRequestId = 64;

    /// <summary>How many ids of one query may be looked up in their grains when the read model lacks them.</summary>
    private const int MaxJustReported = 20;
    private static readonly TimeSpan DefaultQueryWindow = TimeSpan.FromDays(90);

    public static Open311Api Create(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var catalog = services.GetRequiredService<Catalog>();
        var options = configuration.GetSection(Open311Options.Section).Get<Open311Options>() ?? new Open311Options();
        if (options.Type is not ("production" or "test"))
            throw new InvalidOperationException(
                $"{Open311Options.Section}:Type: '{options.Type}' is not production or test"
            );
        // The catalog's folder, found as the API finds it.
        var folder = configuration["Catalog:Path"] is { Length: > 0 } path ? path : CatalogLoader.DefaultDirectory();
        var changed = Directory
            .EnumerateFiles(folder, "*.json", SearchOption.AllDirectories)
            .Max(File.GetLastWriteTimeUtc);
        var changeset = TimeZoneInfo.ConvertTime(new DateTimeOffset(changed, TimeSpan.Zero), catalog.Calendar.TimeZone);
        var media = new Open311Media(
            services.GetRequiredService<IConnectionMultiplexer>(),
            services.GetRequiredService<KeySpace>(),
            services.GetRequiredService<Partitions>(),
            services.GetRequiredService<ResiliencePipelineProvider<string>>()
        );
        return new Open311Api(
            catalog,
            Gazetteer.Load(folder, catalog),
            media,
            services.GetRequiredService<ReadModelStore>(),
            services.GetRequiredService<IIncidentStore>(),
            services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<IOptions<ApiOptions>>(),
            options,
            changeset
        );
    }

    public Task<IResult> Discovery(string format, HttpRequest http) =>
        Answer(
            format,
            f =>
            {
                var url = options.Url is { Length: > 0 } configured
                    ? configured
                    : $"{http.Scheme}://{http.Host}{http.PathBase}{Open311Endpoints.Base}";
                Open311Node[] formats = [Open311Value.Of("application/xml"), Open311Value.Of("application/json")];
                var endpoint = new Open311Object
                {
                    { "specification", Open311Endpoints.Specification },
                    { "url", url },
                    { "changeset", changeset },
                    { "type", options.Type },
                    { "formats", new Open311List("format", formats) },
                };
                return Ok(
                    f,
                    new Open311Document(
                        "discovery",
                        new Open311Object
                        {
                            { "changeset", changeset },
                            {
                                "contact",
                                options.Contact
                                    ?? $"{catalog.District.Zh} ({catalog.District.En}): this API's operators"
                            },
                            {
                                "key_service",
                                options.KeyService ?? "API keys are issued by the operators of this service"
                            },
                            { "endpoints", new Open311List("endpoint", [endpoint]) },
                        }
                    )
                );
            }
        );

    public Task<IResult> Services(string format) =>
        Answer(
            format,
            f =>
            {
                var services =
                    from scenario in catalog.Scenarios.OrderBy(s => s.Id)
                    from type in scenario.Types
                    select (Open311Node)
                        new Open311Object
                        {
                            { "service_code", type.Code },
                            { "service_name", type.Zh },
                            { "description", $"{type.En} ({scenario.En})" },
                            { "metadata", false },
                            { "type", "realtime" },
                            { "keywords", $"{scenario.Zh},{type.En}" },
                            { "group", scenario.Zh },
                        };
                return Ok(f, new Open311Document("services", new Open311List("service", [.. services])));
            }
        );

    public Task<IResult> Definition(string code, string format) =>
        Answer(
            format,
            f =>
            {
                var type = Open311Reports.Service(catalog, code);
                return Ok(
                    f,
                    new Open311Document(
                        "service_definition",
                        new Open311Object
                        {
                            { "service_code", type.Code },
                            { "attributes", new Open311List("attribute", []) },
                        }
                    )
                );
            }
        );

    public Task<IResult> CreateAsync(string format, HttpRequest http) =>
        AnswerAsync(
            format,
            async f =>
            {
                if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                    limit.MaxRequestBodySize = MaxBodyBytes;
                if (!http.HasFormContentType)
                    throw Open311Reports.Bad("Content-Type: must be application/x-www-form-urlencoded");
                IFormCollection form;
                try
                {
                    form = await http.ReadFormAsync();
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    throw new Open311Refused(e.StatusCode, $"request body: more than the {MaxBodyBytes} bytes allowed");
                }
                catch (InvalidDataException e)
                {
                    throw Open311Reports.Bad($"request body: not a form this service reads ({e.Message})");
                }
                var report = Open311Reports.Read(form, catalog, gazetteer, apiOptions.Value.Open311Keys);
                var idempotency = Open311Reports.Text("Idempotency-Key", http.Headers["Idempotency-Key"], MaxRequestId);
                var commandId = $"open311:{idempotency ?? Guid.NewGuid().ToString("N")}";
                var result = await grains
                    .GetGrain<IIncidentIntakeGrain>(0)
                    .ReportAsync(
                        new ReportIncident(
                            commandId,
                            new Actor($"open311:{report.Client}", Role.Citizen),
                            report.Type.Code,
                            Channel.CitizenApp,
                            report.Street,
                            report.Description,
                            report.Location,
                            report.Reporter,
                            null,
                            null,
                            $"open311/{report.Client}"
                        )
                    );
                if (result.Refusal is { } refusal)
                    throw Open311Reports.Bad(refusal.Message);
                if (report.MediaUrl is { } url)
                    await media.SaveAsync(result.IncidentNumber, url);
                return Ok(
                    f,
                    new Open311Document(
                        "service_requests",
                        new Open311List(
                            "request",
                            [
                                new Open311Object
                                {
                                    { "service_request_id", result.IncidentNumber },
                                    { "service_notice", $"受理编号 {result.IncidentNumber}" },
                                    { "account_id", report.AccountId },
                                },
                            ]
                        )
                    )
                );
            }
        );

    public Task<IResult> GetAsync(string id, string format) =>
        AnswerAsync(
            format,
            async f =>
            {
                var found = id.Length <= MaxRequestId ? await FindAsync([id]) : [];
                return found.Count == 1
                    ? Ok(f, await RequestsAsync(found))
                    : throw new Open311Refused(
                        StatusCodes.Status404NotFound,
                        $"service_request_id: '{Open311Reports.Echo(id)}' not found"
                    );
            }
        );

    public Task<IResult> QueryAsync(string format, HttpRequest http) =>
        AnswerAsync(
            format,
            async f =>
            {
                var q = http.Query;
                if (List(q, "service_request_id") is { Count: > 0 } ids)
                {
                    if (ids.Count > MaxRequests)
                        throw Open311Reports.Bad($"service_request_id: at most {MaxRequests} ids");
                    if (ids.FirstOrDefault(i => i.Length > MaxRequestId) is { } tooLong)
                        throw Open311Reports.Bad($"service_request_id: '{Open311Reports.Echo(tooLong)}' is too long");
                    return Ok(f, await RequestsAsync(await FindAsync(ids)));
                }
                var types = List(q, "service_code").Select(Service).Distinct().ToList();
                var statuses = List(q, "status").Select(s => s.ToLowerInvariant()).Distinct().ToList();
                if (statuses.FirstOrDefault(s => s is not ("open" or "closed")) is { } unknown)
                    throw Open311Reports.Bad($"status: '{Open311Reports.Echo(unknown)}' is not open or closed");
                var start = Date(q, "start_date");
                var to = Date(q, "end_date") ?? time.GetUtcNow();
                if (start > to)
                    throw Open311Reports.Bad("end_date: is before start_date");
                var onlyOpen = statuses is ["open"];
                var onlyClosed = statuses is ["closed"];
                var scenarios = types.Select(t => t.Scenario).Distinct().ToList();
                // The index knows scenarios; types narrow them only when some of a scenario's types are left out.
                var whole = scenarios.All(s => catalog.FindScenario(s)!.Types.All(types.Contains));
                var query = new IncidentQuery
                {
                    ReportedFrom = start ?? to - DefaultQueryWindow,
                    ReportedTo = to,
                    OpenOnly = onlyOpen,
                    States = onlyClosed
                        ? [nameof(IncidentState.Closed), nameof(IncidentState.Dismissed), nameof(IncidentState.Merged)]
                        : [],
                    Scenarios = scenarios,
                };
                var (found, _) = await store.ListAsync(
                    query,
                    null,
                    0,
                    MaxRequests,
                    whole ? null : i => types.Any(t => t.Code == i.Type)
                );
                return Ok(f, await RequestsAsync([.. found.Where(Public).Select(i => new Found(i, LatestKnown(i)))]));
            }
        );

    /// <summary>A service named in a query: unknown is a bad query here, not a missing resource.</summary>
    private IncidentType Service(string code) =>
        catalog.FindType(code) is { } type && type.Scenario != DevicePolicy.MaintenanceScenario
            ? type
            : throw Open311Reports.Bad(
                $"service_code: '{Open311Reports.Echo(code)}' is not a service of this jurisdiction"
            );

    /// <summary>An incident and when the last thing known to have happened to it happened.</summary>
    private sealed record Found(Incident Incident, DateTimeOffset UpdatedAt);

    /// <summary>The public requests among these ids, in the order asked for, each once.</summary>
    private async Task<IReadOnlyList<Found>> FindAsync(IReadOnlyList<string> ids)
    {
        var projected = (await store.GetManyAsync(ids.Distinct())).ToDictionary(i => i.Number);
        var found = new List<Found>();
        var lookedUp = 0;
        foreach (var id in ids.Distinct())
        {
            if (projected.TryGetValue(id, out var incident))
                found.Add(new Found(incident, LatestKnown(incident)));
            else if (lookedUp++ < MaxJustReported && await JustReportedAsync(id) is { } fresh)
                found.Add(fresh);
        }
        return [.. found.Where(f => Public(f.Incident))];
    }

    /// <summary>
    /// The read model is filled from the event stream a little after each command, so an incident reported moments
    /// ago may not be in it yet: it is read from its grain then, with the time of its last event. Only ids that
    /// exist in the store (<see cref="IIncidentStore.ExistsAsync"/>) reach a grain, so made-up ids activate none.
    /// </summary>
    private async Task<Found?> JustReportedAsync(string id)
    {
        if (!await incidents.ExistsAsync(id))
            return null;
        var grain = grains.GetGrain<IIncidentGrain>(id);
        if (await grain.GetAsync() is not { } incident)
            return null;
        var last = await grain.GetTimelineAsync(Math.Max(0, incident.Version - 1));
        return new Found(incident, last.Count > 0 ? last[^1].At : incident.ReportedAt);
    }

    /// <summary>
    /// The latest time the projected incident records: its report, the start of the stages now under way, its end.
    /// The read model keeps no time of the last event, so a change that starts no stage (a note, an escalation)
    /// does not move it.
    /// </summary>
    private static DateTimeOffset LatestKnown(Incident incident) =>
        incident
            .Clocks.Select(c => c.RunningSince)
            .Append(incident.EndedAt)
            .OfType<DateTimeOffset>()
            .Append(incident.ReportedAt)
            .Max();

    /// <summary>Maintenance incidents of devices are internal; everything else is a public request.</summary>
    private static bool Public(Incident incident) => incident.Scenario != DevicePolicy.MaintenanceScenario;

    private async Task<Open311Document> RequestsAsync(IReadOnlyList<Found> found)
    {
        var shown = found.Where(f => !Personal(f.Incident)).Select(f => f.Incident.Number).ToList();
        var urls = await media.FindAsync(shown);
        return new Open311Document(
            "service_requests",
            new Open311List("request", [.. found.Select(f => RequestOf(f, urls.GetValueOrDefault(f.Incident.Number)))])
        );
    }

    private bool Personal(Incident incident) => catalog.FindScenario(incident.Scenario) is { PersonalData: true };

    /// <summary>
    /// A request as the public sees it: never the reporter; no free text of hotline cases, nor of cases of
    /// scenarios with personal data, which also show no position and no media.
    /// </summary>
    private Open311Object RequestOf(Found found, string? mediaUrl)
    {
        var incident = found.Incident;
        var personal = Personal(incident);
        var type = catalog.FindType(incident.Type);
        var name = type?.Zh ?? incident.Type;
        var due = incident.IsOpen
            ? (incident.Clock(Stage.Handling) ?? incident.Clock(Stage.Reviewing))?.DueAt(catalog.Calendar)
            : null;
        return new Open311Object
        {
            { "service_request_id", incident.Number },
            { "status", incident.IsOpen ? "open" : "closed" },
            { "status_notes", StatusNotes(incident) },
            { "service_name", name },
            { "service_code", incident.Type },
            { "description", personal || incident.Channel == Channel.Hotline ? name : PublicText(incident) },
            { "agency_responsible", incident.Lead is { } lead ? catalog.FindUnit(lead.Unit)?.Zh ?? lead.Unit : null },
            { "service_notice", (string?)null },
            { "requested_datetime", Local(incident.ReportedAt) },
            { "updated_datetime", Local(found.UpdatedAt) },
            { "expected_datetime", due is { } at ? Local(at) : null },
            { "address", catalog.FindStreet(incident.Street)?.Zh },
            { "address_id", (string?)null },
            { "zipcode", (string?)null },
            { "lat", personal ? null : incident.Location?.Lat },
            { "long", personal ? null : incident.Location?.Lon },
            { "media_url", personal ? null : mediaUrl },
        };
    }

    /// <summary>The description with long numbers masked and the reporter's name, or any word of it, too.</summary>
    private static string PublicText(Incident incident)
    {
        var text = Masking.Text(incident.Description);
        if (incident.Reporter is not { Name: { Length: > 0 } name })
            return text;
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var part in words.Where(w => w.Length > 1).Prepend(name).OrderByDescending(p => p.Length))
            text = text.Replace(part, Masking.Name(part), StringComparison.OrdinalIgnoreCase);
        return text;
    }

    /// <summary>Where the request stands, in Chinese and English.</summary>
    private string StatusNotes(Incident incident)
    {
        var unit = incident.Lead is { } lead ? catalog.FindUnit(lead.Unit) : null;
        var (unitZh, unitEn) = (unit?.Zh ?? "责任单位", unit?.En ?? "the responsible unit");
        var (zh, en) = incident.State switch
        {
            IncidentState.Reported => ("已受理，待立案", "received, waiting to be filed"),
            IncidentState.Filed => ("已立案，待派遣", "filed, waiting to be dispatched"),
            IncidentState.Dispatched => ($"已派遣至{unitZh}，待签收", $"dispatched to {unitEn}, to be accepted"),
            IncidentState.Returned => ("责任单位退回，待重新派遣", "returned by the unit, to be dispatched again"),
            IncidentState.Accepted => ($"{unitZh}已签收", $"accepted by {unitEn}"),
            IncidentState.InProgress => ($"{unitZh}处置中", $"being handled by {unitEn}"),
            IncidentState.Handled => ("已处置，待核查", "handled, waiting for review"),
            IncidentState.UnderReview => ("核查中", "the result is under review"),
            IncidentState.Closed => ("已结案", "closed"),
            IncidentState.Dismissed => ("不予立案", "not taken up"),
            IncidentState.Merged => ($"已并入 {incident.MergedInto}", $"merged into {incident.MergedInto}"),
            _ => (incident.State.ToString(), incident.State.ToString()),
        };
        if (incident.Deferred)
            (zh, en) = ($"{zh}（挂账）", $"{en} (deferred: it cannot be fixed now)");
        if (incident.IsOpen && incident.Escalation >= EscalationLevel.Overdue)
            (zh, en) = ($"{zh}（已逾期，督办中）", $"{en} (overdue, under supervision)");
        return $"{zh} / {en}";
    }

    private DateTimeOffset Local(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, catalog.Calendar.TimeZone);

    /// <summary>The items of a comma list, over every occurrence of the parameter.</summary>
    private static List<string> List(IQueryCollection query, string name) =>
        [.. query[name].SelectMany(v => (v ?? "").Split(',', Items))];

    private const StringSplitOptions Items = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;

    private static DateTimeOffset? Date(IQueryCollection query, string name) =>
        Open311Reports.Text(name, query[name], 64) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw Open311Reports.Bad($"{name}: '{Open311Reports.Echo(text)}' is not a W3C date-time");

    private static IResult Ok(Open311Format format, Open311Document document) => new Open311Result(document, format);

    private static IResult Error(Open311Format format, Open311Refused refused) =>
        new Open311Result(
            new Open311Document(
                "errors",
                new Open311List(
                    "error",
                    [new Open311Object { { "code", refused.Status }, { "description", refused.Message } }]
                )
            ),
            format,
            refused.Status
        );

    private static Open311Format? Format(string extension) =>
        extension switch
        {
            "xml" => Open311Format.Xml,
            "json" => Open311Format.Json,
            _ => null,
        };

    private static Task<IResult> Answer(string extension, Func<Open311Format, IResult> answer) =>
        AnswerAsync(extension, format => Task.FromResult(answer(format)));

    /// <summary>Answers in the path's format, and a refusal as the spec's errors; an unknown format in XML.</summary>
    private static async Task<IResult> AnswerAsync(string extension, Func<Open311Format, Task<IResult>> answer)
    {
        if (Format(extension) is not { } format)
            return Error(
                Open311Format.Xml,
                Open311Reports.Bad($"format: '.{Open311Reports.Echo(extension)}' is not offered (xml or json)")
            );
        try
        {
            return await answer(format);
        }
        catch (Open311Refused refused)
        {
            return Error(format, refused);
        }
    }
}
