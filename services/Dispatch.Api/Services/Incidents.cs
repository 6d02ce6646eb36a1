using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// What the case and field services share: an incident as this caller may see it (NOT_FOUND alike for "not
/// yours" and "does not exist"), its detail masked and logged, and commands sent to its grain with the domain's
/// refusals turned into gRPC statuses.
/// </summary>
public sealed class Incidents(
    IGrainFactory grains,
    IIncidentStore incidents,
    Lifecycle lifecycle,
    ReadModelStore store,
    ReadLog reads,
    People people,
    IArchive archive,
    TimeProvider time
)
{
    public Catalog Catalog => lifecycle.Catalog;

    public People People => people;

    /// <summary>What <paramref name="who"/> may do on <paramref name="incident"/> now, as action codes.</summary>
    public IEnumerable<string> ActionsOf(Principal who, Incident incident) =>
        IncidentActions.For(who, incident, lifecycle, time.GetUtcNow()).Select(a => a.Code).Distinct();

    public static string RequireNumber(string? number) =>
        string.IsNullOrWhiteSpace(number) ? throw Invalid("number", "is required") : number.Trim();

    public static RpcException Invalid(string field, string problem) => Problems.Invalid(field, problem);

    private static RpcException NotFound(string number) =>
        Problems.Refused(StatusCode.NotFound, Problems.Reasons.NotFound, $"incident {number} not found", "number");

    /// <summary>
    /// The incident, if it exists and the caller may see it. Whether it exists is asked of the store first, so a
    /// made-up number activates no grain.
    /// </summary>
    public async Task<Incident> VisibleAsync(Principal who, string number)
    {
        number = RequireNumber(number);
        var incident = await incidents.ExistsAsync(number)
            ? await grains.GetGrain<IIncidentGrain>(number).GetAsync()
            : (await archive.IncidentAsync(number))?.Incident; // it left Redis: the archive serves it, read-only
        return incident is not null && Access.CanSee(who, incident) ? incident : throw NotFound(number);
    }

    /// <summary>The incident in full, masked as the caller must see it; the read is logged first.</summary>
    public async Task<V1.IncidentDetail> DetailAsync(Principal who, string number, string what)
    {
        var incident = await VisibleAsync(who, number);
        await reads.RecordAsync(who, incident.Number, what);
        var grain = grains.GetGrain<IIncidentGrain>(incident.Number);
        var timeline = await grain.GetTimelineAsync();
        var alerts = await store.AlertsAsync(incident.Number);
        if (timeline.Count == 0 && await archive.IncidentAsync(incident.Number) is { } archived)
            (timeline, alerts) = (archived.Timeline, archived.Alerts);
        var masked = Masking.Applies(who, incident, Catalog);
        var detail = Masking
            .For(who, incident, Catalog)
            .ToDetail(
                Masking.For(who, incident, timeline, Catalog),
                alerts,
                Catalog,
                masked,
                ActionsOf(who, incident),
                people.NameOf
            );
        if (!masked)
            detail.ReportPhotos.AddRange(await store.ReportPhotosAsync(incident.Number));
        return detail;
    }

    public V1.IncidentSummary Summary(Principal who, Incident incident)
    {
        var masked = Masking.Applies(who, incident, Catalog);
        return Masking.For(who, incident, Catalog).ToSummary(Catalog, masked, ActionsOf(who, incident));
    }

    /// <summary>
    /// Sends a command on the caller's behalf. Command ids are the caller's own: they are kept under the user's
    /// name, so two people who happen to choose the same id never answer for each other. The same id sent again
    /// answers with its first result, even when that command took the incident out of the caller's sight;
    /// otherwise the incident must be visible, and <paramref name="mayAct"/> (an object-level rule beyond sight)
    /// must hold.
    /// </summary>
    public async Task<V1.CommandReply> ExecuteAsync(
        Principal who,
        string number,
        IncidentCommand command,
        Func<Incident, Task<string?>>? mayAct = null
    )
    {
        number = RequireNumber(number);
        if (string.IsNullOrWhiteSpace(command.CommandId))
            throw Invalid("command_id", "is required (a client-chosen id that makes retries safe)");
        var clientId = command.CommandId;
        var own = command with { CommandId = $"{who.UserId}/{clientId}" };
        if (!await incidents.ExistsAsync(number))
            throw NotFound(number);
        var grain = grains.GetGrain<IIncidentGrain>(number);
        if (await grain.GetResultAsync(own.CommandId) is not { } first)
        {
            var incident = await VisibleAsync(who, number);
            if (mayAct is not null && await mayAct(incident) is { } denied)
                throw Problems.Refused(StatusCode.PermissionDenied, Problems.Reasons.PermissionDenied, denied);
            first = await grain.ExecuteAsync(own);
        }
        var reply = Answer(first);
        reply.CommandId = clientId;
        return reply;
    }

    /// <summary>
    /// A command result, or the refusal as a rich status: INVALID_ARGUMENT naming the field, NOT_FOUND, or
    /// FAILED_PRECONDITION (reason ILLEGAL_TRANSITION) naming the state.
    /// </summary>
    public static V1.CommandReply Answer(CommandResult result) =>
        result.Refusal switch
        {
            null => result.ToReply(),
            { Kind: RefusalKind.InvalidArgument } r => throw Problems.Refused(
                StatusCode.InvalidArgument,
                Problems.Reasons.InvalidArgument,
                r.Message,
                r.Field
            ),
            { Kind: RefusalKind.NotFound } r => throw Problems.Refused(
                StatusCode.NotFound,
                Problems.Reasons.NotFound,
                r.Message,
                "number"
            ),
            { } r => throw Problems.Refused(
                StatusCode.FailedPrecondition,
                Problems.Reasons.IllegalTransition,
                r.Message
            ),
        };

    /// <summary>A page of the read model as the caller may see it.</summary>
    public async Task<V1.IncidentPage> PageAsync(
        Principal who,
        IncidentQuery query,
        string? text,
        int pageSize,
        string? pageToken
    )
    {
        var take = pageSize switch
        {
            0 => 50,
            < 0 or > 200 => throw Invalid("page_size", "must lie between 1 and 200"),
            _ => pageSize,
        };
        var skip =
            string.IsNullOrEmpty(pageToken) ? 0
            : int.TryParse(pageToken, out var offset) && offset >= 0 ? offset
            : throw Invalid("page_token", "is not a token this service gave");
        Func<Incident, bool>? match = string.IsNullOrWhiteSpace(text) ? null : i => Matches(who, i, text.Trim());
        var (items, total) = await store.ListAsync(query, Indexes.ScopeOf(who), skip, take, match);
        if (items.Count > 0)
            await reads.RecordAsync(who, [.. items.Select(i => i.Number)], "list");
        var page = new V1.IncidentPage
        {
            Total = total,
            NextPageToken = skip + items.Count < total ? (skip + items.Count).ToString() : "",
        };
        page.Items.AddRange(items.Select(i => Summary(who, i)));
        return page;
    }

    /// <summary>Free text in the number, the description (as the caller sees it), the type or the street.</summary>
    private bool Matches(Principal who, Incident i, string text)
    {
        var seen = Masking.For(who, i, Catalog);
        var type = Catalog.FindType(i.Type);
        var street = Catalog.FindStreet(i.Street);
        return new[] { seen.Number, seen.Description, i.Type, type?.Zh, type?.En, street?.Zh, street?.En }.Any(field =>
            field?.Contains(text, StringComparison.OrdinalIgnoreCase) == true
        );
    }
}
