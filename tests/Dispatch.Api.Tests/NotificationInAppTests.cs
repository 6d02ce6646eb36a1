using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;
using Dispatch.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Dispatch.Api.Tests;

/// <summary>
/// In-app notices through the API, with a policy whose notices escalate after 2 s unacknowledged: the assignee of
/// a dispatch sees the notice and the unread count, live; an unacknowledged notice goes once to the next in the
/// chain, with two notifier instances sweeping; acknowledging stops the escalation; an urge reaches the assignee;
/// bad input is refused naming the field, and changes nothing.
/// </summary>
[Collection(RedisFixture.Collection)]
public class NotificationInAppTests(RedisFixture redis)
{
    private Task<NotificationRig> Rig() =>
        redis.Shared(
            "notify-in-app",
            () => NotificationRig.StartAsync(redis, NotificationRig.EscalateEverythingAfter("2s"))
        );

    private static async Task<NotificationUpdate> NextAsync(
        IAsyncStreamReader<NotificationUpdate> stream,
        Func<NotificationUpdate, bool> wanted
    )
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stream.MoveNext(timeout.Token))
            if (wanted(stream.Current))
                return stream.Current;
        throw new InvalidOperationException("the watch stream ended");
    }

    [Fact]
    public async Task The_assignee_of_a_dispatch_sees_the_notice_and_the_unread_count_live_and_over_json()
    {
        var rig = await Rig();
        var worker = await rig.NotificationsAsync("green.w1");
        using var watch = worker.WatchMyNotifications(new WatchMyNotificationsRequest());
        var snapshot = await NextAsync(watch.ResponseStream, _ => true);
        Assert.Equal("snapshot", snapshot.Kind);

        var number = await rig.DispatchedIncidentAsync();
        var added = await NextAsync(watch.ResponseStream, u => u.Notification?.Incident == number);
        Assert.Equal("added", added.Kind);
        var notice = added.Notification;
        Assert.Equal(
            ("Dispatched", "Normal", "Assignee", "GREEN"),
            (notice.Topic, notice.Urgency, notice.RecipientRole, notice.Unit)
        );
        Assert.Contains(number, notice.TitleZh);
        Assert.Contains(number, notice.TitleEn);
        Assert.StartsWith(Labels.Of(NoticeTopic.Dispatched).Zh, notice.TitleZh);
        Assert.False(notice.Read);
        Assert.True(notice.NeedsAcknowledgement);
        Assert.True(added.UnreadCount >= 1);

        var page = await rig.InboxAsync("green.w1");
        var listed = Assert.Single(page.Items, n => n.Id == notice.Id);
        Assert.Equal(notice.EventTime, listed.EventTime);
        Assert.Equal(page.Items.Count(n => !n.Read), page.UnreadCount);

        using var json = await rig.Api.Http.SendAsync(
            rig.Api.Request(
                HttpMethod.Get,
                "/api/v1/notifications?unreadOnly=true",
                await rig.Api.TokenAsync("green.w1")
            )
        );
        json.EnsureSuccessStatusCode();
        var text = await json.Content.ReadAsStringAsync();
        Assert.Contains(notice.Id, text);
        Assert.Contains("\"unreadCount\"", text);

        var reply = await worker.AcknowledgeAsync(new AcknowledgeRequest { Id = notice.Id });
        Assert.True(reply.Notification.Acknowledged && reply.Notification.Read);
        Assert.Equal("green.w1", reply.Notification.AcknowledgedBy);
        var updated = await NextAsync(watch.ResponseStream, u => u.Kind == "updated" && u.Notification.Id == notice.Id);
        Assert.True(updated.Notification.Acknowledged);
        Assert.Equal(reply.UnreadCount, updated.UnreadCount);
    }

    [Fact]
    public async Task An_unacknowledged_notice_goes_once_to_the_next_in_the_chain_with_two_notifiers_sweeping()
    {
        var rig = await Rig();
        var second = await rig.StartApiAsync();
        try
        {
            await EscalatesOnceAsync(rig);
        }
        finally
        {
            await rig.StopApiAsync(second);
        }
    }

    private static async Task EscalatesOnceAsync(NotificationRig rig)
    {
        var number = await rig.DispatchedIncidentAsync();

        var escalated = await Ops.EventuallyAsync(
            () => rig.InboxAsync("green.duty"),
            page => page.Items.Any(n => n.Incident == number && n.EscalatedFromRole == "Assignee"),
            TimeSpan.FromSeconds(30),
            "the duty officer to get the notice the assignee left unacknowledged"
        );
        var notice = Assert.Single(escalated.Items, n => n.Incident == number && n.EscalatedFromRole == "Assignee");
        Assert.Equal(("Dispatched", "DutyOfficer", "GREEN"), (notice.Topic, notice.RecipientRole, notice.Unit));
        Assert.StartsWith("【升级】", notice.TitleZh);

        // The chain goes on: the head gets the duty officer's notice, once too.
        var head = await Ops.EventuallyAsync(
            () => rig.InboxAsync("green.head"),
            page => page.Items.Any(n => n.Incident == number && n.EscalatedFromRole == "DutyOfficer"),
            TimeSpan.FromSeconds(30),
            "the unit head to get the notice the duty officer left unacknowledged"
        );
        Assert.Single(head.Items, n => n.Incident == number);
        Assert.Single((await rig.InboxAsync("green.duty")).Items, n => n.Incident == number);
        var deliveries = await rig.DeliveriesAsync(number);
        var steps = deliveries.Where(d => d.Channel == nameof(DeliveryChannel.Escalation)).ToList();
        Assert.Contains(steps, d => d.RecipientRole == "Assignee" && d.Target == "DutyOfficer(GREEN)");
        Assert.Contains(steps, d => d.RecipientRole == "DutyOfficer" && d.Target == "UnitHead(GREEN)");
        Assert.Equal(steps.Count, steps.Select(d => d.NoticeId).Distinct().Count());
        Assert.Single(deliveries, d => d.Channel == nameof(DeliveryChannel.InApp) && d.Target == "green.duty");
    }

    [Fact]
    public async Task Acknowledging_a_notice_stops_its_escalation()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync(coUnits: new Dictionary<string, string> { ["CSL"] = "csl.w1" });
        var worker = await rig.NotificationsAsync("green.w1");
        var mine = await Ops.EventuallyAsync(
            () => rig.InboxAsync("green.w1"),
            page => page.Items.Any(n => n.Incident == number),
            TimeSpan.FromSeconds(30),
            "the assignee's notice"
        );
        var notice = Assert.Single(mine.Items, n => n.Incident == number);
        await worker.AcknowledgeAsync(new AcknowledgeRequest { Id = notice.Id });
        var acknowledgedAt = DateTimeOffset.UtcNow;

        // The co-unit's notice, left alone, escalates; and a sweep passes after the acknowledged one would have.
        await Ops.EventuallyAsync(
            () => rig.InboxAsync("csl.duty"),
            page => page.Items.Any(n => n.Incident == number && n.EscalatedFromRole == "Assignee"),
            TimeSpan.FromSeconds(30),
            "the unacknowledged co-unit notice to escalate"
        );
        var sweeper = rig.Api.Services.GetRequiredService<NotificationSweeper>();
        await Ops.EventuallyAsync(
            () => Task.FromResult(sweeper.LastSweep),
            last => last > acknowledgedAt.AddSeconds(2),
            TimeSpan.FromSeconds(30),
            "a sweep after the acknowledged notice's limit"
        );

        Assert.DoesNotContain((await rig.InboxAsync("green.duty")).Items, n => n.Incident == number);
        var deliveries = await rig.DeliveriesAsync(number);
        Assert.DoesNotContain(
            deliveries,
            d => d.Channel == nameof(DeliveryChannel.Escalation) && d.RecipientUnit == "GREEN"
        );
        var acknowledged = Assert.Single(deliveries, d => d.Target == "green.w1");
        Assert.Equal(
            (nameof(DeliveryStatus.Acknowledged), "green.w1"),
            (acknowledged.Status, acknowledged.AcknowledgedBy)
        );
        Assert.Contains(deliveries, d => d.Channel == nameof(DeliveryChannel.Escalation) && d.RecipientUnit == "CSL");
    }

    [Fact]
    public async Task Accepting_the_task_settles_its_notice_so_that_it_does_not_escalate()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync(coUnits: new Dictionary<string, string> { ["CSL"] = "csl.w1" });
        await rig
            .Grains.Incident(number)
            .MustAsync(new AcceptAssignment(Ops.Id(), Ops.StaffOf("GREEN"), "GREEN", "green.w1"));
        var acceptedAt = DateTimeOffset.UtcNow;

        var settled = Assert.Single(
            await rig.DeliveriesWhenAsync(
                number,
                d => d.Any(x => x.Target == "green.w1" && x.Status == nameof(DeliveryStatus.Acknowledged)),
                "the accepted task's notice to be settled"
            ),
            d => d.Target == "green.w1"
        );
        Assert.Equal("staff.GREEN", settled.AcknowledgedBy);
        await Ops.EventuallyAsync(
            () => rig.InboxAsync("csl.duty"),
            page => page.Items.Any(n => n.Incident == number && n.EscalatedFromRole == "Assignee"),
            TimeSpan.FromSeconds(30),
            "the co-unit's task, not accepted, to escalate"
        );
        var sweeper = rig.Api.Services.GetRequiredService<NotificationSweeper>();
        await Ops.EventuallyAsync(
            () => Task.FromResult(sweeper.LastSweep),
            last => last > acceptedAt.AddSeconds(2),
            TimeSpan.FromSeconds(30),
            "a sweep after the settled notice's limit"
        );

        Assert.DoesNotContain(
            await rig.DeliveriesAsync(number),
            d => d.Channel == nameof(DeliveryChannel.Escalation) && d.RecipientUnit == "GREEN"
        );
        var notice = Assert.Single((await rig.InboxAsync("green.w1")).Items, n => n.Incident == number);
        Assert.True(notice.Acknowledged);
        Assert.False(notice.Read);
    }

    [Fact]
    public async Task An_urge_reaches_the_assignee_and_the_units_duty_officer()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync();
        var dispatcher = await rig.Api.UserAsync("dispatcher");
        await dispatcher.Cases.UrgeIncidentAsync(
            new UrgeIncidentRequest
            {
                Number = number,
                CommandId = Ops.Id(),
                Text = "请尽快处置",
            }
        );

        static bool Urged(Delivery d) =>
            d.Topic == "Urged" && d.Channel == nameof(DeliveryChannel.InApp) && d.EscalatedFrom == "";
        var deliveries = await rig.DeliveriesWhenAsync(number, d => d.Count(Urged) == 2, "the urge's notices");
        Assert.Equal(["green.duty", "green.w1"], deliveries.Where(Urged).Select(x => x.Target).Order());
        var urged = Assert.Single(
            (await rig.InboxAsync("green.w1")).Items,
            n => n.Incident == number && n.Topic == "Urged"
        );
        Assert.StartsWith(Labels.Of(NoticeTopic.Urged).Zh, urged.TitleZh);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_changes_nothing()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync(coUnits: new Dictionary<string, string> { ["CSL"] = "csl.w1" });
        var mine = await Ops.EventuallyAsync(
            () => rig.InboxAsync("green.w1"),
            page => page.Items.Any(n => n.Incident == number),
            TimeSpan.FromSeconds(30),
            "the assignee's notice"
        );
        var notice = Assert.Single(mine.Items, n => n.Incident == number);
        var stranger = await rig.NotificationsAsync("csl.w1");
        var worker = await rig.NotificationsAsync("green.w1");
        var store = rig.Api.Services.GetRequiredService<NotificationStore>();
        var escalations = store.Keys.Escalations(number);
        var pending = new DueEntry(number, notice.NoticeId);
        var due = await store.DueAtAsync(escalations, pending);

        async Task<(StatusCode, string?, string?)> Refused(Func<Task> call) =>
            NotificationRig.Refusal(await Assert.ThrowsAsync<RpcException>(call));

        Assert.Equal(
            (StatusCode.NotFound, "id", "NOT_FOUND"),
            await Refused(() => stranger.AcknowledgeAsync(new AcknowledgeRequest { Id = notice.Id }).ResponseAsync)
        );
        Assert.Equal(
            (StatusCode.NotFound, "id", "NOT_FOUND"),
            await Refused(() => worker.AcknowledgeAsync(new AcknowledgeRequest { Id = "no-such-notice" }).ResponseAsync)
        );
        Assert.Equal(
            (StatusCode.InvalidArgument, "id", "INVALID_ARGUMENT"),
            await Refused(() => worker.AcknowledgeAsync(new AcknowledgeRequest { Id = " " }).ResponseAsync)
        );
        Assert.Equal(
            (StatusCode.NotFound, "ids[1]", "NOT_FOUND"),
            await Refused(() =>
                worker.MarkReadAsync(new MarkReadRequest { Ids = { notice.Id, "no-such-notice" } }).ResponseAsync
            )
        );
        Assert.Equal(
            (StatusCode.InvalidArgument, "ids", "INVALID_ARGUMENT"),
            await Refused(() => worker.MarkReadAsync(new MarkReadRequest()).ResponseAsync)
        );
        Assert.Equal(
            (StatusCode.InvalidArgument, "page_size", "INVALID_ARGUMENT"),
            await Refused(() =>
                worker.ListMyNotificationsAsync(new ListMyNotificationsRequest { PageSize = 500 }).ResponseAsync
            )
        );
        Assert.Equal(
            (StatusCode.InvalidArgument, "page_token", "INVALID_ARGUMENT"),
            await Refused(() =>
                worker.ListMyNotificationsAsync(new ListMyNotificationsRequest { PageToken = "x" }).ResponseAsync
            )
        );
        var dispatcher = await rig.NotificationsAsync("dispatcher");
        Assert.Equal(
            (StatusCode.NotFound, "number", "NOT_FOUND"),
            await Refused(() =>
                dispatcher
                    .ListDeliveriesAsync(new ListDeliveriesRequest { Number = "PT-20000101-999999" })
                    .ResponseAsync
            )
        );
        Assert.Equal(
            (StatusCode.InvalidArgument, "number", "INVALID_ARGUMENT"),
            await Refused(() => dispatcher.ListDeliveriesAsync(new ListDeliveriesRequest()).ResponseAsync)
        );
        Assert.Equal(
            StatusCode.PermissionDenied,
            (
                await Refused(() =>
                    worker.ListDeliveriesAsync(new ListDeliveriesRequest { Number = number }).ResponseAsync
                )
            ).Item1
        );

        // Nothing changed: the notice is still unread and unacknowledged, and its escalation still pending.
        var after = Assert.Single((await rig.InboxAsync("green.w1")).Items, n => n.Id == notice.Id);
        Assert.Equal((false, false), (after.Read, after.Acknowledged));
        var state = await store.NoticeAsync(number, notice.NoticeId);
        Assert.False(state!.IsAcknowledged);
        if (state.EscalatedTo is null)
            Assert.Equal(due, await store.DueAtAsync(escalations, pending));
    }
}
