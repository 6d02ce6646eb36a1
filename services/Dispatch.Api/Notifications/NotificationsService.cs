using Dispatch.Abstractions;
using Dispatch.Api.Services;
using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Notifications;

/// <summary>
/// The notifications API: a person's own inbox (list, live stream, acknowledge, mark read) for every signed-in
/// person, and an incident's delivery records for the district's desks and the units that see the incident. Every
/// refusal is a rich error naming its field; a refused call changes nothing.
/// </summary>
public sealed class NotificationsService(
    Inbox inbox,
    InboxFeed feed,
    NoticeDelivery delivery,
    NotificationStore store,
    IIncidentStore incidents,
    IGrainFactory grains
) : V1.Notifications.NotificationsBase
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public override async Task<V1.NotificationPage> ListMyNotifications(
        V1.ListMyNotificationsRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        var take = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Problems.Invalid("page_size", $"must lie between 1 and {MaxPageSize}"),
            _ => request.PageSize,
        };
        var skip =
            string.IsNullOrEmpty(request.PageToken) ? 0
            : int.TryParse(request.PageToken, out var offset) && offset >= 0 ? offset
            : throw Problems.Invalid("page_token", "is not a token this service gave");
        var (items, total, unread) = await inbox.PageAsync(who.UserId, skip, take, request.UnreadOnly);
        var page = new V1.NotificationPage
        {
            UnreadCount = (int)unread,
            Total = total,
            NextPageToken = skip + items.Count < total ? (skip + items.Count).ToString() : "",
        };
        page.Items.AddRange(items.Select(n => n.ToProto()));
        return page;
    }

    public override async Task WatchMyNotifications(
        V1.WatchMyNotificationsRequest request,
        IServerStreamWriter<V1.NotificationUpdate> responseStream,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        // Subscribed before the snapshot is read, so that nothing falls between the two.
        using var subscription = feed.Subscribe(who.UserId);
        await context.WriteResponseHeadersAsync([]);
        await responseStream.WriteAsync(
            new V1.NotificationUpdate { Kind = "snapshot", UnreadCount = (int)await inbox.UnreadAsync(who.UserId) }
        );
        await foreach (var change in subscription.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(
                change is null
                    ? new V1.NotificationUpdate
                    {
                        Resync = true,
                        UnreadCount = (int)await inbox.UnreadAsync(who.UserId),
                    }
                    : new V1.NotificationUpdate
                    {
                        Kind = change.Kind == InboxChangeKind.Added ? "added" : "updated",
                        Notification = change.Notice?.ToProto(),
                        UnreadCount = (int)change.Unread,
                    }
            );
        }
    }

    public override async Task<V1.NotificationReply> Acknowledge(
        V1.AcknowledgeRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        if (string.IsNullOrWhiteSpace(request.Id))
            throw Problems.Invalid("id", "is required: the id of one of your notices");
        var acknowledged =
            await delivery.AcknowledgeAsync(who.UserId, request.Id.Trim()) ?? throw NotYours("id", request.Id);
        return new V1.NotificationReply
        {
            Notification = acknowledged.ToProto(),
            UnreadCount = (int)await inbox.UnreadAsync(who.UserId),
        };
    }

    public override async Task<V1.MarkReadReply> MarkRead(V1.MarkReadRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        IReadOnlyList<string> ids;
        if (request.All)
            ids = [.. (await inbox.PageAsync(who.UserId, 0, int.MaxValue, unreadOnly: true)).Items.Select(n => n.Id)];
        else
        {
            if (request.Ids.Count == 0)
                throw Problems.Invalid("ids", "name at least one notice, or set all");
            // Every id is checked before any is marked: a refusal marks nothing.
            for (var i = 0; i < request.Ids.Count; i++)
                if (
                    string.IsNullOrWhiteSpace(request.Ids[i])
                    || await inbox.FindAsync(who.UserId, request.Ids[i]) is null
                )
                    throw NotYours($"ids[{i}]", request.Ids[i]);
            ids = [.. request.Ids.Distinct()];
        }
        var marked = 0;
        foreach (var id in ids)
        {
            // The last look decides: a lost race looks again.
            var unread = false;
            await inbox.UpdateAsync(who.UserId, id, n => (unread = !n.Read) ? n with { Read = true } : null);
            if (unread)
                marked++;
        }
        return new V1.MarkReadReply { Marked = marked, UnreadCount = (int)await inbox.UnreadAsync(who.UserId) };
    }

    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.DeliveryList> ListDeliveries(
        V1.ListDeliveriesRequest request,
        ServerCallContext context
    )
    {
        var who = Caller.Of(context);
        if (!Access.SeesWholeDistrict(who) && who.Role != Role.UnitStaff)
            throw Problems.Refused(
                StatusCode.PermissionDenied,
                Problems.Reasons.PermissionDenied,
                $"role {who.Role} may not read the delivery records of notices"
            );
        if (string.IsNullOrWhiteSpace(request.Number))
            throw Problems.Invalid("number", "is required: the incident's number");
        var number = request.Number.Trim();
        // The store is asked first, so that a made-up number activates no grain.
        var incident = await incidents.ExistsAsync(number)
            ? await grains.GetGrain<IIncidentGrain>(number).GetAsync()
            : null;
        if (incident is null || !Access.CanSee(who, incident))
            throw Problems.Refused(
                StatusCode.NotFound,
                Problems.Reasons.NotFound,
                $"number: incident {number} not found",
                "number"
            );
        var list = new V1.DeliveryList();
        list.Items.AddRange((await store.DeliveriesAsync(number)).Select(d => d.ToProto()));
        return list;
    }

    /// <summary>"Not yours" is answered exactly like "does not exist".</summary>
    private static RpcException NotYours(string field, string id) =>
        Problems.Refused(StatusCode.NotFound, Problems.Reasons.NotFound, $"{field}: you have no notice '{id}'", field);
}
