using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>Field work for workers and unit staff (see field.proto). They always act for their own unit.</summary>
public sealed class FieldService(
    Incidents incidents,
    Roster roster,
    EvidenceStore evidence,
    IOptions<ApiOptions> options
) : V1.Field.FieldBase
{
    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.IncidentPage> ListMyTasks(V1.MyTasksRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var query =
            who.Role == Role.Worker
                ? new IncidentQuery { Workers = [who.UserId], OpenOnly = !request.IncludeDone }
                : new IncidentQuery { Units = [UnitOf(who)], OpenOnly = !request.IncludeDone };
        return await incidents.PageAsync(who, query, null, request.PageSize, request.PageToken);
    }

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.IncidentDetail> GetTask(V1.GetIncidentRequest request, ServerCallContext context) =>
        await incidents.DetailAsync(Caller.Of(context), request.Number, "task");

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.CommandReply> Accept(V1.AcceptRequest request, ServerCallContext context) =>
        await AcceptAsync(Caller.Of(context), request);

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.CommandReply> Return(V1.ReturnRequest request, ServerCallContext context) =>
        await ReturnAsync(Caller.Of(context), request);

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.CommandReply> Arrive(V1.ArriveRequest request, ServerCallContext context) =>
        await ArriveAsync(Caller.Of(context), request);

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.CommandReply> SubmitResult(
        V1.SubmitResultRequest request,
        ServerCallContext context
    ) => await SubmitAsync(Caller.Of(context), request);

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.EvidenceInfo> UploadEvidence(
        V1.UploadEvidenceRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        var incident = await incidents.VisibleAsync(who, request.Number);
        if (MayHandle(who, incident) is { } denied)
            throw Problems.Refused(StatusCode.PermissionDenied, Problems.Reasons.PermissionDenied, denied);
        try
        {
            var saved = await evidence.SaveAsync(
                incident.Number,
                request.ContentType,
                request.Content.Memory,
                request.FileName,
                who.UserId,
                options.Value.MaxEvidenceBytes
            );
            return new V1.EvidenceInfo
            {
                Id = saved.Id,
                ContentType = saved.ContentType,
                Size = saved.Size,
                Sha256 = saved.Sha256,
            };
        }
        catch (EvidenceRefused e)
        {
            throw Incidents.Invalid(e.Field, e.Problem);
        }
    }

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.ReplayReply> ReplayQueued(V1.ReplayRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var reply = new V1.ReplayReply();
        foreach (var queued in request.Commands)
        {
            var (number, commandId, run) = queued.CommandCase switch
            {
                V1.QueuedCommand.CommandOneofCase.Accept => (
                    queued.Accept.Number,
                    queued.Accept.CommandId,
                    (Func<Task<V1.CommandReply>>)(() => AcceptAsync(who, queued.Accept))
                ),
                V1.QueuedCommand.CommandOneofCase.Return => (
                    queued.Return.Number,
                    queued.Return.CommandId,
                    () => ReturnAsync(who, queued.Return)
                ),
                V1.QueuedCommand.CommandOneofCase.Arrive => (
                    queued.Arrive.Number,
                    queued.Arrive.CommandId,
                    () => ArriveAsync(who, queued.Arrive)
                ),
                V1.QueuedCommand.CommandOneofCase.Submit => (
                    queued.Submit.Number,
                    queued.Submit.CommandId,
                    () => SubmitAsync(who, queued.Submit)
                ),
                _ => (
                    "",
                    "",
                    (Func<Task<V1.CommandReply>>)(
                        () => throw Incidents.Invalid("commands", "an entry holds no command")
                    )
                ),
            };
            var result = new V1.QueuedResult { Number = number, CommandId = commandId };
            try
            {
                result.Reply = await run();
                result.Ok = true;
            }
            catch (RpcException e)
                when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown))
            {
                (result.ErrorCode, result.Error) = (e.StatusCode.ToString(), e.Status.Detail);
            }
            reply.Results.Add(result);
        }
        return reply;
    }

    private async Task<V1.CommandReply> AcceptAsync(Principal who, V1.AcceptRequest r)
    {
        var unit = UnitOf(who);
        var worker =
            who.Role == Role.Worker ? who.UserId
            : string.IsNullOrWhiteSpace(r.Worker) ? null
            : r.Worker.Trim();
        if (who.Role == Role.UnitStaff && worker is not null && !await roster.IsPersonOfAsync(worker, unit))
            throw Incidents.Invalid("worker", $"'{worker}' is not on the roster of unit {unit}");
        return await incidents.ExecuteAsync(
            who,
            r.Number,
            new AcceptAssignment(r.CommandId, who.Actor, unit, worker),
            i => Task.FromResult(MayHandle(who, i))
        );
    }

    /// <summary>
    /// Unit staff give their unit's task to another person of the unit (the assignment moves to them).
    /// </summary>
    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.CommandReply> HandOver(V1.HandOverRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var unit = UnitOf(who);
        if (who.Role != Role.UnitStaff)
            throw Problems.Refused(
                StatusCode.PermissionDenied,
                Problems.Reasons.PermissionDenied,
                "only the unit's staff hand its tasks over"
            );
        var worker = string.IsNullOrWhiteSpace(request.Worker)
            ? throw Incidents.Invalid("worker", "is required")
            : request.Worker.Trim();
        if (!await roster.IsPersonOfAsync(worker, unit))
            throw Incidents.Invalid("worker", $"'{worker}' is not on the roster of unit {unit}");
        return await incidents.ExecuteAsync(
            who,
            request.Number,
            new RedirectAssignment(
                request.CommandId,
                who.Actor,
                unit,
                unit,
                worker,
                string.IsNullOrWhiteSpace(request.Reason) ? "handed over by the unit" : request.Reason
            ),
            i => Task.FromResult(MayHandle(who, i))
        );
    }

    private Task<V1.CommandReply> ReturnAsync(Principal who, V1.ReturnRequest r) =>
        incidents.ExecuteAsync(
            who,
            r.Number,
            new ReturnAssignment(r.CommandId, who.Actor, UnitOf(who), r.Reason),
            i => Task.FromResult(MayHandle(who, i))
        );

    private Task<V1.CommandReply> ArriveAsync(Principal who, V1.ArriveRequest r) =>
        incidents.ExecuteAsync(
            who,
            r.Number,
            new ArriveOnSite(r.CommandId, who.Actor, UnitOf(who), r.Location.ToDomain()),
            i => Task.FromResult(MayHandle(who, i))
        );

    private async Task<V1.CommandReply> SubmitAsync(Principal who, V1.SubmitResultRequest r)
    {
        var number = Incidents.RequireNumber(r.Number);
        foreach (var id in r.Evidence)
            if (await evidence.FindAsync(id) is not { } found || found.Number != number)
                throw Incidents.Invalid("evidence", $"'{id}' is not evidence uploaded for incident {number}");
        var command = new SubmitResult(
            r.CommandId,
            who.Actor,
            UnitOf(who),
            string.IsNullOrWhiteSpace(r.Note) ? null : r.Note,
            [.. r.Evidence],
            r.Location.ToDomain()
        );
        return await incidents.ExecuteAsync(who, number, command, i => Task.FromResult(MayHandle(who, i)));
    }

    private static string UnitOf(Principal who) =>
        who.Unit
        ?? throw Problems.Refused(
            StatusCode.PermissionDenied,
            Problems.Reasons.PermissionDenied,
            $"user {who.UserId} belongs to no unit and so holds no assignment"
        );

    private static string? MayHandle(Principal who, Incident incident) =>
        Access.MayHandle(who, incident, UnitOf(who))
            ? null
            : $"{who.UserId} may act only on the assignment of unit {who.Unit} given to them "
                + $"(incident {incident.Number})";
}
