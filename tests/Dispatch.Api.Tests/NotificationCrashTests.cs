using Dispatch.Infrastructure.Notifications;

namespace Dispatch.Api.Tests;

/// <summary>
/// A notifier that stops in the middle of a webhook send (its instance goes away) leaves the delivery claimed; once
/// the claim's lease runs out, another instance sends it, once, even though it also reads the event again.
/// </summary>
[Collection(RedisFixture.Collection)]
public class NotificationCrashTests(RedisFixture redis)
{
    [Fact]
    public async Task A_send_cut_off_with_its_instance_is_sent_once_by_another_after_the_lease()
    {
        await using var rig = await NotificationRig.StartAsync(
            redis,
            overrides: new Dictionary<string, string?>
            {
                // One long attempt per round, so that the instance is surely stopped while the send waits for an
                // answer.
                ["Notifications:Pipeline:Retries"] = "0",
                ["Notifications:Pipeline:Timeout"] = "00:00:06",
            }
        );
        var first = rig.Api;
        var number = await rig.DispatchedIncidentAsync(beforeDispatch: n =>
            rig.Receiver.Hold(r => r.Path == "/ops" && r.Text.Contains(n))
        );
        await Ops.EventuallyAsync(
            () => Task.FromResult(rig.Receiver.Holding),
            holding => holding > 0,
            TimeSpan.FromSeconds(30),
            "the send to reach the receiver and wait there"
        );
        var claimed = await rig.DeliveriesWhenAsync(
            number,
            d => d.Any(x => x.Target == "ops" && x.Status == nameof(DeliveryStatus.Queued)),
            "the send to be claimed"
        );

        await rig.StopApiAsync(first);
        rig.Receiver.Release();
        await rig.RewindNotifierAsync(redis.Connection);
        await rig.ForgetSeenAsync(redis.Connection, number);
        await rig.StartApiAsync();

        var sent = Assert.Single(
            await rig.DeliveriesWhenAsync(
                number,
                d => d.Any(x => x.Target == "ops" && x.Status == nameof(DeliveryStatus.Sent)),
                "another instance to send the claimed delivery"
            ),
            d => d.Target == "ops"
        );
        Assert.Equal(Assert.Single(claimed, d => d.Target == "ops").Id, sent.Id);
        var requests = rig.RequestsFor(sent.Id);
        Assert.Single(requests, r => r.Delivered);
        Assert.Contains(requests, r => r.Status == 0);
        await rig.CaughtUpAsync();
        Assert.Single(rig.RequestsFor(sent.Id), r => r.Delivered);
        Assert.Single((await rig.InboxAsync("green.w1")).Items, n => n.Incident == number);
    }
}
