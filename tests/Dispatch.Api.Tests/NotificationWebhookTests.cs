using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Infrastructure.Notifications;
using Dispatch.Protos.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Api.Tests;

/// <summary>
/// Outbound webhooks against a real HTTP receiver on loopback: each notice reaches each webhook once, signed; a
/// receiver answering 500 is retried; a failing receiver's circuit opens, nothing is sent while it is open, and it
/// closes again; reading the whole event stream again, with a second notifier, sends nothing twice.
/// </summary>
[Collection(RedisFixture.Collection)]
public class NotificationWebhookTests(RedisFixture redis)
{
    private Task<NotificationRig> Rig() => redis.Shared("notify-webhooks", () => NotificationRig.StartAsync(redis));

    private static Delivery Webhook(IReadOnlyList<Delivery> deliveries, string name) =>
        Assert.Single(deliveries, d => d.Channel == nameof(DeliveryChannel.Webhook) && d.Target == name);

    private static bool Sent(Delivery d) => d.Status == nameof(DeliveryStatus.Sent);

    [Fact]
    public async Task A_dispatch_notice_reaches_each_webhook_once_signed_and_the_assignee_in_app()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync();

        var deliveries = await rig.DeliveriesWhenAsync(
            number,
            d => d.Count(x => x.Topic == "Dispatched" && Sent(x)) == 3,
            "the dispatch notice in-app and to both webhooks"
        );
        var inApp = Assert.Single(deliveries, d => d.Channel == nameof(DeliveryChannel.InApp));
        Assert.Equal(("green.w1", "Assignee", "GREEN"), (inApp.Target, inApp.RecipientRole, inApp.RecipientUnit));
        var json = Webhook(deliveries, "ops");
        var robot = Webhook(deliveries, "robot");
        Assert.All(deliveries, d => Assert.True(d.SentTime.ToDateTimeOffset() >= d.EventTime.ToDateTimeOffset()));

        var request = Assert.Single(rig.RequestsFor(json.Id));
        Assert.Equal("/ops", request.Path);
        var signature =
            "sha256="
            + Convert.ToHexStringLower(
                HMACSHA256.HashData(Encoding.UTF8.GetBytes(NotificationRig.JsonSecret), request.Body)
            );
        Assert.Equal(signature, request.Header(WebhookMessages.SignatureHeader));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(json.Id, body.RootElement.GetProperty("delivery").GetString());
        Assert.Equal(
            request.Header(WebhookMessages.TimestampHeader),
            body.RootElement.GetProperty("timestamp").GetInt64().ToString()
        );
        var notice = body.RootElement.GetProperty("notice");
        Assert.Equal(
            ("Dispatched", "Assignee", "green.w1"),
            (
                notice.GetProperty("topic").GetString(),
                notice.GetProperty("to").GetProperty("role").GetString(),
                notice.GetProperty("people")[0].GetString()
            )
        );
        Assert.Equal(number, body.RootElement.GetProperty("incident").GetProperty("number").GetString());

        var message = Assert.Single(rig.RequestsFor(robot.Id));
        Assert.Equal("/robot/send", message.Path);
        Assert.Equal(NotificationRig.RobotToken, message.Query["access_token"]);
        Assert.Equal(
            WebhookMessages.RobotSign(NotificationRig.RobotSecret, long.Parse(message.Query["timestamp"])),
            message.Query["sign"]
        );
        using var markdown = JsonDocument.Parse(message.Body);
        Assert.Equal("markdown", markdown.RootElement.GetProperty("msgtype").GetString());
        Assert.Contains(number, markdown.RootElement.GetProperty("markdown").GetProperty("content").GetString());

        // Settled deliveries are never sent again, whatever reads the event again.
        await rig.CaughtUpAsync();
        Assert.Single(rig.RequestsFor(json.Id));
        Assert.Single(rig.RequestsFor(robot.Id));
    }

    [Fact]
    public async Task A_webhook_answering_500_is_retried_until_it_takes_the_notice()
    {
        var rig = await Rig();
        var number = await rig.DispatchedIncidentAsync(beforeDispatch: n =>
            rig.Receiver.FailNext(2, r => r.Path == "/ops" && r.Text.Contains(n))
        );

        var json = Webhook(
            await rig.DeliveriesWhenAsync(
                number,
                d => d.Any(x => x.Target == "ops" && Sent(x)),
                "the JSON webhook to take the notice"
            ),
            "ops"
        );

        var requests = rig.RequestsFor(json.Id);
        Assert.Equal([500, 500, 200], requests.Select(r => r.Status));
        Assert.Equal(3, json.Calls);
        Assert.Equal("", json.Failure);
    }

    [Fact]
    public async Task A_failing_webhooks_circuit_opens_sends_nothing_while_open_and_closes_again()
    {
        var rig = await Rig();
        rig.Receiver.FailNext(int.MaxValue, r => r.Path == "/ops");
        try
        {
            var first = await rig.DispatchedIncidentAsync();
            var broke = Webhook(
                await rig.DeliveriesWhenAsync(
                    first,
                    d => d.Any(x => x.Target == "ops" && x.Failure == nameof(DeliveryFailure.CircuitOpen)),
                    "the circuit of the JSON webhook to open"
                ),
                "ops"
            );
            Assert.Equal(nameof(DeliveryStatus.Failed), broke.Status);
            Assert.Contains(rig.RequestsFor(broke.Id), r => r.Status == 500);

            // A notice that comes while the circuit is open is refused without a call.
            var second = await rig.DispatchedIncidentAsync();
            var refused = Webhook(
                await rig.DeliveriesWhenAsync(
                    second,
                    d => d.Any(x => x.Target == "ops" && x.Failure == nameof(DeliveryFailure.CircuitOpen)),
                    "the open circuit to refuse the second notice"
                ),
                "ops"
            );
            Assert.Empty(rig.RequestsFor(refused.Id));
            Assert.Equal(0, refused.Calls);
            Assert.NotNull(refused.NextAttemptTime);

            rig.Receiver.Heal();
            foreach (var number in new[] { first, second })
            {
                var sent = Webhook(
                    await rig.DeliveriesWhenAsync(
                        number,
                        d => d.Any(x => x.Target == "ops" && Sent(x)),
                        $"the closed circuit to let the notice of {number} through"
                    ),
                    "ops"
                );
                Assert.Single(rig.RequestsFor(sent.Id), r => r.Delivered);
                Assert.Equal(sent.Calls, rig.RequestsFor(sent.Id).Count);
            }
        }
        finally
        {
            rig.Receiver.Heal();
        }
    }

    [Fact]
    public async Task Reading_the_whole_stream_again_with_a_second_notifier_sends_nothing_twice()
    {
        var rig = await Rig();
        var before = await rig.DispatchedIncidentAsync();
        await rig.DeliveriesWhenAsync(before, d => d.Count(Sent) == 3, "the first incident's notices");
        var notifier = rig.Api.Services.GetRequiredService<Notifier>();
        await notifier.StopAsync(CancellationToken.None);

        var during = await rig.DispatchedIncidentAsync();
        await rig.RewindNotifierAsync(redis.Connection);
        await rig.ForgetSeenAsync(redis.Connection, before);
        var second = await rig.StartApiAsync();
        try
        {
            await notifier.StartAsync(CancellationToken.None);
            await rig.DeliveriesWhenAsync(
                during,
                d => d.Count(Sent) == 3,
                "the notices of the incident dispatched meanwhile"
            );
            await rig.CaughtUpAsync(second);

            var delivered = rig
                .Receiver.Requests.Where(r => r.Delivered)
                .GroupBy(r => r.Header(WebhookMessages.DeliveryHeader))
                .ToList();
            Assert.NotEmpty(delivered);
            Assert.All(delivered, d => Assert.Single(d));
            var inbox = await rig.InboxAsync("green.w1", second);
            foreach (var number in new[] { before, during })
                Assert.Single(inbox.Items, n => n.Incident == number && n.Topic == "Dispatched");
        }
        finally
        {
            // Each instance has circuits of its own: the other tests count on one instance.
            await rig.StopApiAsync(second);
        }
    }
}
