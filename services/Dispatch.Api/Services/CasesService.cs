using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure.ReadModel;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>Case handling for dispatchers and reviewers (see cases.proto).</summary>
public sealed class CasesService(Incidents incidents, Roster roster, ChangeFeed changes, IGrainFactory grains)
    : V1.Cases.CasesBase
{
    private Catalog Catalog => incidents.Catalog;

    /// <summary>The channels a person reports through; devices report through ingest.</summary>
    private static readonly Channel[] PersonChannels =
    [
        Channel.Hotline,
        Channel.GridPatrol,
        Channel.CitizenApp,
        Channel.ThirdParty,
        Channel.HigherLevel,
    ];

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.IncidentPage> ListIncidents(
        V1.ListIncidentsRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await incidents.PageAsync(
            who,
            Filters.Read(request.Filter, Catalog),
            request.Filter?.Query,
            request.PageSize,
            request.PageToken
        );
    }

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.IncidentDetail> GetIncident(
        V1.GetIncidentRequest request,
        ServerCallContext context
    ) => await incidents.DetailAsync(Caller.Of(context), request.Number, "detail");

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task WatchIncidents(
        V1.WatchIncidentsRequest request,
        IServerStreamWriter<V1.IncidentChange> responseStream,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        var matches = Filters.Matcher(Filters.Read(request.Filter, Catalog));
        // Subscribed before the headers go out, so a client that has the headers misses no change after them.
        using var subscription = changes.Subscribe();
        await context.WriteResponseHeadersAsync([]);
        await foreach (var notice in subscription.ReadAllAsync(context.CancellationToken))
        {
            if (notice is null)
            {
                await responseStream.WriteAsync(new V1.IncidentChange { Resync = true });
                continue;
            }
            if (!Access.CanSee(who, notice.Incident) || !matches(notice.Incident))
                continue;
            using var push = ApiTelemetry.Source.StartActivity(
                "push change",
                System.Diagnostics.ActivityKind.Producer,
                System.Diagnostics.ActivityContext.TryParse(notice.TraceParent, null, out var parent) ? parent : default
            );
            push?.SetTag("dispatch.incident", notice.Incident.Number);
            await responseStream.WriteAsync(
                new V1.IncidentChange
                {
                    Kind = notice.Kind,
                    Seq = notice.Incident.Version,
                    Incident = incidents.Summary(who, notice.Incident),
                }
            );
        }
    }

    public override Task<V1.ReferenceData> GetReferenceData(Empty request, ServerCallContext context)
    {
        Caller.Of(context);
        var data = new V1.ReferenceData { CatalogVersion = Catalog.Version, District = Catalog.District.Code };
        data.Scenarios.AddRange(
            Catalog.Scenarios.Select(s =>
            {
                var scenario = new V1.ScenarioInfo
                {
                    Id = s.Id,
                    Zh = s.Zh,
                    En = s.En,
                    LeadUnit = s.LeadUnit,
                    PersonalData = s.PersonalData,
                };
                scenario.Types_.AddRange(
                    s.Types.Select(t => new V1.TypeInfo
                    {
                        Code = t.Code,
                        Zh = t.Zh,
                        En = t.En,
                        Priority = t.Priority.ToString(),
                        PhotoRequired = t.Closing.PhotoRequired,
                        NoteRequired = t.Closing.NoteRequired,
                        LocationRequired = t.Closing.LocationRequired,
                    })
                );
                return scenario;
            })
        );
        data.Streets.AddRange(
            Catalog
                .Streets.OrderBy(s => s.Code)
                .Select(s => new V1.StreetInfo
                {
                    Code = s.Code,
                    Zh = s.Zh,
                    En = s.En,
                    Office = s.Office,
                    Centre = s.Centre.ToProto(),
                })
        );
        data.Units.AddRange(
            Catalog
                .Units.OrderBy(u => u.Code)
                .Select(u => new V1.UnitInfo
                {
                    Code = u.Code,
                    Zh = u.Zh,
                    En = u.En,
                    Kind = u.Kind.ToString(),
                })
        );
        foreach (var (name, words) in Labels.Vocabularies)
        {
            var vocabulary = new V1.Vocabulary();
            foreach (var (code, label) in words)
                vocabulary.Words[code] = new V1.LabelText { Zh = label.Zh, En = label.En };
            data.Labels[name] = vocabulary;
        }
        return Task.FromResult(data);
    }

    [Authorize(Policy = nameof(Permission.Report))]
    public override async Task<V1.CommandReply> ReportIncident(
        V1.ReportIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        if (!System.Enum.TryParse<Channel>(request.Channel, out var channel) || !PersonChannels.Contains(channel))
            throw Incidents.Invalid(
                "channel",
                $"'{request.Channel}' is not one of {string.Join(", ", PersonChannels)}"
            );
        var reporter = string.IsNullOrWhiteSpace(request.ReporterName)
            ? null
            : new Reporter(
                request.ReporterName.Trim(),
                string.IsNullOrWhiteSpace(request.ReporterPhone) ? null : request.ReporterPhone.Trim()
            );
        var result = await grains
            .GetGrain<IIncidentIntakeGrain>(0)
            .ReportAsync(
                new ReportIncident(
                    request.CommandId,
                    who.Actor,
                    request.Type,
                    channel,
                    request.Street,
                    request.Description,
                    request.Location.ToDomain(),
                    reporter,
                    request.ObservedAt?.ToDateTimeOffset()
                )
            );
        return Incidents.Answer(result);
    }

    [Authorize(Policy = nameof(Permission.Triage))]
    public override async Task<V1.CommandReply> FileIncident(
        V1.IncidentCommandRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await incidents.ExecuteAsync(who, request.Number, new FileIncident(request.CommandId, who.Actor));
    }

    [Authorize(Policy = nameof(Permission.Triage))]
    public override async Task<V1.CommandReply> DismissIncident(
        V1.DismissIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        if (!System.Enum.TryParse<DismissalGround>(request.Ground, out var ground) || !System.Enum.IsDefined(ground))
            throw Incidents.Invalid(
                "ground",
                $"'{request.Ground}' is not one of {string.Join(", ", System.Enum.GetNames<DismissalGround>())}"
            );
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new DismissIncident(request.CommandId, who.Actor, ground, request.Reason)
        );
    }

    [Authorize(Policy = nameof(Permission.Triage))]
    public override async Task<V1.CommandReply> MergeIncident(
        V1.MergeIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new MergeIncident(request.CommandId, who.Actor, request.Into, request.Reason)
        );
    }

    [Authorize(Policy = nameof(Permission.Dispatch))]
    public override async Task<V1.DispatchRecommendation> RecommendDispatch(
        V1.GetIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await roster.RecommendAsync(await incidents.VisibleAsync(who, request.Number));
    }

    [Authorize(Policy = nameof(Permission.Dispatch))]
    public override async Task<V1.CommandReply> DispatchIncident(
        V1.DispatchIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        var lead = string.IsNullOrWhiteSpace(request.LeadUnit) ? null : request.LeadUnit.Trim();
        var worker = string.IsNullOrWhiteSpace(request.Worker) ? null : request.Worker.Trim();
        if (lead is null && request.CoUnits.Count > 0)
            throw Incidents.Invalid("co_units", "name the lead unit too, or leave both to the catalog's routing");
        var workers = request
            .Workers.Where(w => !string.IsNullOrWhiteSpace(w.Value))
            .ToDictionary(w => w.Key.Trim(), w => w.Value.Trim());
        var command = new DispatchIncident(
            request.CommandId,
            who.Actor,
            lead,
            lead is null ? null : [.. request.CoUnits],
            worker,
            workers
        );
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            command,
            async incident =>
            {
                var route = Catalog.Route(incident.Type, incident.Street);
                var unit = lead ?? route.Lead;
                if (worker is not null && !await roster.IsPersonOfAsync(worker, unit))
                    throw Incidents.Invalid("worker", $"'{worker}' is not on the roster of unit {unit}");
                var units = lead is null ? route.CoUnits.Prepend(route.Lead) : request.CoUnits.Prepend(lead);
                foreach (var (named, person) in workers)
                {
                    if (!units.Contains(named))
                        throw Incidents.Invalid("workers", $"unit {named} gets no assignment in this dispatch");
                    if (!await roster.IsPersonOfAsync(person, named))
                        throw Incidents.Invalid("workers", $"'{person}' is not on the roster of unit {named}");
                }
                return null;
            }
        );
    }

    [Authorize(Policy = nameof(Permission.Triage))]
    public override async Task<V1.CommandReply> ReclassifyIncident(
        V1.ReclassifyIncidentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        Priority? priority = null;
        if (request.Priority is { Length: > 0 })
            priority =
                System.Enum.TryParse<Priority>(request.Priority, out var p) && System.Enum.IsDefined(p)
                    ? p
                    : throw Incidents.Invalid("priority", $"'{request.Priority}' is not one of P1, P2, P3, P4");
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new ReclassifyIncident(request.CommandId, who.Actor, request.Type?.Trim() ?? "", priority, request.Reason)
        );
    }

    [Authorize(Policy = nameof(Permission.Dispatch))]
    public override async Task<V1.CommandReply> RecallAssignment(
        V1.RecallAssignmentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new RecallAssignment(request.CommandId, who.Actor, request.Unit?.Trim() ?? "", request.Reason)
        );
    }

    [Authorize(Policy = nameof(Permission.Dispatch))]
    public override async Task<V1.CommandReply> RedirectAssignment(
        V1.RedirectAssignmentRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        var toUnit = request.ToUnit?.Trim() ?? "";
        var worker = string.IsNullOrWhiteSpace(request.Worker) ? null : request.Worker.Trim();
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new RedirectAssignment(
                request.CommandId,
                who.Actor,
                request.Unit?.Trim() ?? "",
                toUnit,
                worker,
                request.Reason
            ),
            async _ =>
                worker is not null
                && Catalog.FindUnit(toUnit) is not null
                && !await roster.IsPersonOfAsync(worker, toUnit)
                    ? throw Incidents.Invalid("worker", $"'{worker}' is not on the roster of unit {toUnit}")
                    : null
        );
    }

    [Authorize(Policy = nameof(Permission.Urge))]
    public override async Task<V1.CommandReply> UrgeIncident(V1.UrgeIncidentRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var unit = string.IsNullOrWhiteSpace(request.Unit) ? null : request.Unit.Trim();
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new UrgeIncident(request.CommandId, who.Actor, unit, request.Text)
        );
    }

    [Authorize(Policy = nameof(Permission.ApproveDeadlines))]
    public override async Task<V1.CommandReply> ApproveExtension(
        V1.ApproveExtensionRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        if (!Allowance.TryParse(request.Extra, out var extra))
            throw Incidents.Invalid("extra", $"'{request.Extra}' is not an allowance such as 30m, 2h, 4wh or 2wd");
        Stage? stage = null;
        if (request.Stage is { Length: > 0 })
            stage =
                System.Enum.TryParse<Stage>(request.Stage, out var s) && System.Enum.IsDefined(s)
                    ? s
                    : throw Incidents.Invalid(
                        "stage",
                        $"'{request.Stage}' is not one of {string.Join(", ", System.Enum.GetNames<Stage>())}"
                    );
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new ApproveExtension(request.CommandId, who.Actor, extra, request.Reason, stage)
        );
    }

    [Authorize(Policy = nameof(Permission.ApproveDeadlines))]
    public override async Task<V1.CommandReply> Defer(V1.DeferRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        IncidentCommand command = request.Resume
            ? new ResumeIncident(request.CommandId, who.Actor, request.Reason)
            : new DeferIncident(request.CommandId, who.Actor, request.Reason);
        return await incidents.ExecuteAsync(who, request.Number, command);
    }

    [Authorize(Policy = nameof(Permission.Review))]
    public override async Task<V1.CommandReply> Review(V1.ReviewRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        IncidentCommand command = request.Approve
            ? new ApproveReview(
                request.CommandId,
                who.Actor,
                new Evaluation(
                    request.Rating,
                    string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim()
                )
            )
            : new RequestRework(request.CommandId, who.Actor, request.Comment);
        return await incidents.ExecuteAsync(who, request.Number, command);
    }

    [Authorize(Policy = nameof(Permission.Triage))]
    public override async Task<V1.CommandReply> ReopenIncident(
        V1.ReasonedCommandRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new ReopenIncident(request.CommandId, who.Actor, request.Reason)
        );
    }

    [Authorize(Policy = nameof(Permission.Note))]
    public override async Task<V1.CommandReply> AddNote(V1.AddNoteRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new AddNote(request.CommandId, who.Actor, request.Text)
        );
    }
}
