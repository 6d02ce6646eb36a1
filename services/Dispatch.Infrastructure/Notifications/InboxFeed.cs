using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// The inbox changes, live: whichever instance delivered a notice, each change reaches the subscriptions of the person
/// it concerns on this instance (see <see cref="PubSubFeed{T}"/>).
/// </summary>
public sealed class InboxFeed(IConnectionMultiplexer redis, NotificationKeys keys, ILogger<InboxFeed> logger)
    : PubSubFeed<InboxChange>(redis, logger, buffer: 256)
{
    protected override RedisChannel Channel { get; } = RedisChannel.Literal(keys.InboxChanges);

    /// <summary>Every change of <paramref name="user"/>'s inbox from now on, until the subscription ends.</summary>
    public Subscription Subscribe(string user) => Add(change => change.User == user);
}
