using System.Text.RegularExpressions;
using Dispatch.Abstractions;
using Dispatch.Api.Open311;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// The console's reads and intake (see console.proto): the action queue, numbers, heat, and cases that people bring,
/// with the open cases nearby that may be the same.
/// </summary>
public sealed partial class ConsoleService(
    Incidents incidents,
    ReadModelStore store,
    ReadLog reads,
    IGrainFactory grains,
    ConsoleGazetteer gazetteer,
    TimeProvider time,
    EvidenceStore evidence,
    Microsoft.Extensions.Options.IOptions<ApiOptions> options
) : V1.Console.ConsoleBase
{
    /// <summary>The edge of a heat cell: about 200 m, the grid the devices' correlation uses too.</summary>
    public const double CellMetres = 200;

    private const double MetresPerDegree = 111_320;
    private const int DuplicateCandidates = 500;
    private const int DuplicatesShown = 10;

    private static readonly Channel[] PersonChannels =
    [
        Channel.Hotline,
        Channel.GridPatrol,
        Channel.CitizenApp,
        Channel.ThirdParty,
        Channel.HigherLevel,
    ];

    private Catalog Catalog => incidents.Catalog;

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.QueuePage> ListQueue(V1.QueueRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var bucket = request.Bucket is { Length: > 0 } b ? b : ActionQueue.Dispatch;
        if (!ActionQueue.Buckets.Contains(bucket))
            throw Incidents.Invalid("bucket", $"'{bucket}' is not one of {string.Join(", ", ActionQueue.Buckets)}");
        var take = request.PageSize switch
        {
            0 => 50,
            < 0 or > 200 => throw Incidents.Invalid("page_size", "must lie between 1 and 200"),
            _ => request.PageSize,
        };
        var skip =
            string.IsNullOrEmpty(request.PageToken) ? 0
            : int.TryParse(request.PageToken, out var offset) && offset >= 0 ? offset
            : throw Incidents.Invalid("page_token", "is not a token this service gave");
        // The bucket decides the states; a report time does not narrow a queue of work.
        var query = Filters.Read(request.Filter, Catalog) with
        {
            States = [],
            ReportedFrom = null,
            ReportedTo = null,
            OpenOnly = false,
        };
        var slice = await store.QueueAsync(bucket, query, Indexes.ScopeOf(who), skip, take);
        if (slice.Items.Count > 0)
            await reads.RecordAsync(who, [.. slice.Items.Select(i => i.Number)], "queue");
        var page = new V1.QueuePage
        {
            Total = slice.Total,
            NextPageToken = skip + slice.Items.Count < slice.Total ? (skip + slice.Items.Count).ToString() : "",
        };
        page.Items.AddRange(slice.Items.Select(i => incidents.Summary(who, i)));
        page.Buckets.AddRange(slice.Buckets.Select(c => new V1.BucketCount { Bucket = c.Bucket, Count = c.Count }));
        return page;
    }

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.IncidentPage> FindNumber(V1.FindNumberRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var digits = (request.Digits ?? "").Trim().ToUpperInvariant();
        if (!NumberPart().IsMatch(digits))
            throw Incidents.Invalid(
                "digits",
                "give at least two digits of an incident number (digits, letters of its prefix and dashes)"
            );
        var found = await store.GetManyAsync(await store.FindNumbersAsync(digits));
        var visible = found.Where(i => Access.CanSee(who, i)).ToList();
        if (visible.Count > 0)
            await reads.RecordAsync(who, [.. visible.Select(i => i.Number)], "find");
        var page = new V1.IncidentPage { Total = visible.Count };
        page.Items.AddRange(visible.Select(i => incidents.Summary(who, i)));
        return page;
    }

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.HeatReply> GetHeat(V1.HeatRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var groups = new List<IReadOnlyList<string>>();
        if (request.Scenario is { Length: > 0 } scenario)
        {
            if (Catalog.FindScenario(scenario) is null)
                throw Incidents.Invalid("scenario", $"'{scenario}' is not in the catalog");
            groups.Add([Indexes.Scenario(scenario)]);
        }
        if (request.Type is { Length: > 0 } type)
        {
            if (Catalog.FindType(type) is null)
                throw Incidents.Invalid("type", $"'{type}' is not in the catalog");
            groups.Add([Indexes.Type(type)]);
        }
        DateTimeOffset? from = null;
        switch (request.Period is { Length: > 0 } p ? p : "open")
        {
            case "open":
                groups.Add([Indexes.Open]);
                break;
            case "1d":
                from = time.GetUtcNow().AddDays(-1);
                break;
            case "7d":
                from = time.GetUtcNow().AddDays(-7);
                break;
            case "30d":
                from = time.GetUtcNow().AddDays(-30);
                break;
            default:
                throw Incidents.Invalid("period", $"'{request.Period}' is not one of open, 1d, 7d, 30d");
        }
        if (Indexes.ScopeOf(who) is { } scope)
            groups.Add(scope);
        var points = await store.PositionsAsync(groups, from, null);
        var reply = new V1.HeatReply { Total = points.Count, CellM = CellMetres };
        reply.Cells.AddRange(Cells(points, Catalog.District.Bounds.South));
        return reply;
    }

    /// <summary>Points counted in square cells of <see cref="CellMetres"/>, each cell at its centre.</summary>
    public static IEnumerable<V1.HeatCell> Cells(IEnumerable<GeoPoint> points, double latitude)
    {
        var latStep = CellMetres / MetresPerDegree;
        var lonStep = CellMetres / (MetresPerDegree * Math.Cos(latitude * Math.PI / 180));
        return points
            .GroupBy(p => (Row: (long)Math.Floor(p.Lat / latStep), Col: (long)Math.Floor(p.Lon / lonStep)))
            .Select(g => new V1.HeatCell
            {
                Centre = new V1.GeoPoint { Lat = (g.Key.Row + 0.5) * latStep, Lon = (g.Key.Col + 0.5) * lonStep },
                Count = g.Count(),
            });
    }

    [Authorize(Policy = nameof(Permission.Report))]
    public override async Task<V1.IncidentPage> FindDuplicates(V1.DuplicatesRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        if (Catalog.FindType(request.Type) is null)
            throw Incidents.Invalid("type", $"'{request.Type}' is not in the catalog");
        var radius = request.RadiusM switch
        {
            0 => 500,
            < 0 or > 3000 => throw Incidents.Invalid("radius_m", "must lie between 1 and 3000"),
            _ => request.RadiusM,
        };
        var at = request.Location.ToDomain();
        if (at is { IsValid: false })
            throw Incidents.Invalid("location", "is not a position on Earth");
        if (at is null && Catalog.FindStreet(request.Street) is null)
            throw Incidents.Invalid("street", "give a position or a street of the catalog");
        string[] indexes = at is null
            ? [Indexes.Open, Indexes.Type(request.Type), Indexes.Street(request.Street)]
            : [Indexes.Open, Indexes.Type(request.Type)];
        var candidates = await store.NewestAsync(DuplicateCandidates, indexes);
        var near = candidates
            .Where(i => Access.CanSee(who, i))
            .Select(i => (Incident: i, Metres: at is { } p && i.Location is { } l ? p.MetresTo(l) : (double?)null))
            .Where(c => at is null || c.Metres <= radius)
            .OrderBy(c => c.Metres ?? 0)
            .ThenByDescending(c => c.Incident.ReportedAt)
            .Take(DuplicatesShown)
            .ToList();
        var page = new V1.IncidentPage { Total = near.Count };
        page.Items.AddRange(near.Select(c => incidents.Summary(who, c.Incident)));
        return page;
    }

    [Authorize(Policy = nameof(Permission.Report))]
    public override Task<V1.LocateReply> Locate(V1.LocateRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        if (string.IsNullOrWhiteSpace(request.Address))
            throw Incidents.Invalid("address", "is required");
        var place = gazetteer.Gazetteer.Locate(request.Address);
        return Task.FromResult(
            place is null
                ? new V1.LocateReply { Found = false }
                : new V1.LocateReply
                {
                    Found = true,
                    Location = place.Position.ToProto(),
                    Street = place.Street,
                }
        );
    }

    [Authorize(Policy = nameof(Permission.Report))]
    public override async Task<V1.IntakeReply> Intake(V1.IntakeRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        if (string.IsNullOrWhiteSpace(request.CommandId))
            throw Incidents.Invalid("command_id", "is required (a client-chosen id that makes retries safe)");
        if (!System.Enum.TryParse<Channel>(request.Channel, out var channel) || !PersonChannels.Contains(channel))
            throw Incidents.Invalid(
                "channel",
                $"'{request.Channel}' is not one of {string.Join(", ", PersonChannels)}"
            );
        var type =
            Catalog.FindType(request.Type)
            ?? throw Incidents.Invalid("type", $"'{request.Type}' is not in the catalog");
        var (location, street) = Place(request);
        var address = request.Address?.Trim() ?? "";
        var description = (request.Description ?? "").Trim();
        if (address.Length > 0)
            description = description.Length > 0 ? $"{address}：{description}" : address;
        var reporter =
            string.IsNullOrWhiteSpace(request.CallerName) && string.IsNullOrWhiteSpace(request.CallerPhone)
                ? null
                : new Reporter(
                    request.CallerName?.Trim() is { Length: > 0 } name ? name : "—",
                    string.IsNullOrWhiteSpace(request.CallerPhone) ? null : request.CallerPhone.Trim()
                );
        var externalRef = string.IsNullOrWhiteSpace(request.ExternalRef) ? null : request.ExternalRef.Trim();
        if (externalRef is { Length: > 64 })
            throw Incidents.Invalid("external_ref", "is longer than 64 characters");
        var result = await grains
            .GetGrain<IIncidentIntakeGrain>(0)
            .ReportAsync(
                new ReportIncident(
                    request.CommandId,
                    who.Actor,
                    type.Code,
                    channel,
                    street,
                    description,
                    location,
                    reporter,
                    request.ObservedAt?.ToDateTimeOffset(),
                    SourceRef: externalRef
                )
            );
        var reply = Incidents.Answer(result);
        var priority = type.Priority;
        if (request.Urgent && type.Priority != Priority.P1)
        {
            // Urgent whatever the type says: reclassified at once, so the P1 clocks, filing and routing apply.
            await incidents.ExecuteAsync(
                who,
                reply.Number,
                new ReclassifyIncident($"{request.CommandId}/urgent", who.Actor, type.Code, Priority.P1, UrgentReason)
            );
            priority = Priority.P1;
        }
        var incident = await store.GetAsync(reply.Number);
        return new V1.IntakeReply
        {
            Number = reply.Number,
            CommandId = request.CommandId,
            State = reply.State,
            Priority = (incident?.Version >= reply.LastSeq ? incident.Priority : priority).ToString(),
        };
    }

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.IntakeReply> ReportFromField(V1.FieldReportRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        if (string.IsNullOrWhiteSpace(request.CommandId))
            throw Incidents.Invalid("command_id", "is required (a client-chosen id that makes retries safe)");
        var type =
            Catalog.FindType(request.Type)
            ?? throw Incidents.Invalid("type", $"'{request.Type}' is not in the catalog");
        var at =
            request.Location.ToDomain() ?? throw Incidents.Invalid("location", "the phone's own position is required");
        if (!at.IsValid || !Catalog.District.Bounds.Contains(at))
            throw Incidents.Invalid("location", $"({at.Lat}, {at.Lon}) is outside {Catalog.District.En}");
        if (request.Photo.IsEmpty)
            throw Incidents.Invalid("photo", "a photo of what was found is required");
        if (EvidenceStore.Sniff(request.Photo.Span) is null)
            throw Incidents.Invalid("photo", "is no JPEG, PNG or WebP image");
        if (request.Photo.Length > options.Value.MaxEvidenceBytes)
            throw Incidents.Invalid("photo", $"is larger than {options.Value.MaxEvidenceBytes} bytes");
        var street = Catalog.Streets.MinBy(s => s.Centre.MetresTo(at))!.Code;
        var result = await grains
            .GetGrain<IIncidentIntakeGrain>(0)
            .ReportAsync(
                new ReportIncident(
                    request.CommandId,
                    who.Actor,
                    type.Code,
                    Channel.GridPatrol,
                    street,
                    (request.Description ?? "").Trim(),
                    at,
                    null,
                    null
                )
            );
        var reply = Incidents.Answer(result);
        try
        {
            var saved = await evidence.SaveAsync(
                reply.Number,
                request.PhotoContentType,
                request.Photo.Memory,
                "report.jpg",
                who.UserId,
                options.Value.MaxEvidenceBytes
            );
            await store.AddReportPhotoAsync(reply.Number, saved.Id);
        }
        catch (EvidenceRefused e)
        {
            throw Incidents.Invalid(e.Field == "content" ? "photo" : e.Field, e.Problem);
        }
        return new V1.IntakeReply
        {
            Number = reply.Number,
            CommandId = request.CommandId,
            State = reply.State,
            Priority = type.Priority.ToString(),
        };
    }

    /// <summary>The reason recorded when a report marked urgent is raised to P1.</summary>
    public const string UrgentReason = "上报时标记为紧急，按生命安全类处置 (reported as urgent)";

    /// <summary>
    /// Where the report is: the position sent, else the address's place; the street given, else the place's.
    /// </summary>
    private (GeoPoint? At, string Street) Place(V1.IntakeRequest request)
    {
        var at = request.Location.ToDomain();
        if (at is { } p && (!p.IsValid || !Catalog.District.Bounds.Contains(p)))
            throw Incidents.Invalid("location", $"({p.Lat}, {p.Lon}) is outside {Catalog.District.En}");
        Place? place = null;
        if (at is null && request.Address is { Length: > 0 } address)
        {
            place =
                gazetteer.Gazetteer.Locate(address)
                ?? throw Incidents.Invalid(
                    "address",
                    "could not be located: name a road, landmark or street of the district, "
                        + "or pick the place on the map"
                );
            at = place.Position;
        }
        var street = request.Street is { Length: > 0 } code
            ? Catalog.FindStreet(code)?.Code ?? throw Incidents.Invalid("street", $"'{code}' is not in the catalog")
            : place?.Street
                ?? (at is { } point ? Catalog.Streets.MinBy(s => s.Centre.MetresTo(point))?.Code : null)
                ?? throw Incidents.Invalid("street", "give a street, an address or a position");
        return (at, street);
    }

    [GeneratedRegex("^[A-Z0-9-]{2,40}$")]
    private static partial Regex NumberPart();
}

/// <summary>The district's gazetteer for the console's intake, loaded once from the catalog's folder.</summary>
public sealed class ConsoleGazetteer(IConfiguration configuration, Catalog catalog)
{
    private readonly Lazy<Gazetteer> _gazetteer = new(() =>
        Gazetteer.Load(
            configuration["Catalog:Path"] is { Length: > 0 } path ? path : CatalogLoader.DefaultDirectory(),
            catalog
        )
    );

    public Gazetteer Gazetteer => _gazetteer.Value;
}
