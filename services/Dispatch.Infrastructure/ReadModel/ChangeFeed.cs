using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// The projection's change notices, live: each carries the incident as that change left it, and reaches every
/// subscriber of this API instance (see <see cref="PubSubFeed{T}"/>).
/// </summary>
public sealed class ChangeFeed(IConnectionMultiplexer redis, KeySpace keys, ILogger<ChangeFeed> logger)
    : PubSubFeed<ChangeNotice>(redis, logger, buffer: 512)
{
    protected override RedisChannel Channel { get; } = RedisChannel.Literal(new ReadModelKeys(keys).Changes);

    /// <summary>Every change from this call on, until the subscription is disposed.</summary>
    public Subscription Subscribe() => Add(_ => true);
}
