using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// Fans the inbox changes (Redis pub/sub, so every instance hears every change, whichever instance delivered the
/// notice) out to the live subscribers of this instance, each to the subscriptions of the person it concerns.
/// Pub/sub keeps nothing it could not deliver, so a subscriber is told when it may have missed changes (it fell
/// behind, or the connection to Redis dropped) and then reloads its list.
/// </summary>
public sealed class InboxFeed(IConnectionMultiplexer redis, NotificationKeys keys, ILogger<InboxFeed> logger)
    : IHostedService
{
    private const int Buffer = 256;
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += MissedByAll;
        redis.ConnectionRestored += MissedByAll;
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.InboxChanges));
        _queue.OnMessage(message =>
        {
            if (_subscriptions.IsEmpty)
                return;
            try
            {
                var change = JsonSerializer.Deserialize<InboxChange>(
                    (string)message.Message!,
                    DispatchSerialization.Json
                )!;
                foreach (var subscription in _subscriptions.Keys.Where(s => s.User == change.User))
                    subscription.Offer(change);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "An inbox change could not be read");
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed -= MissedByAll;
        redis.ConnectionRestored -= MissedByAll;
        if (_queue is not null)
            await _queue.UnsubscribeAsync();
        foreach (var subscription in _subscriptions.Keys)
            subscription.Complete();
    }

    private void MissedByAll(object? sender, ConnectionFailedEventArgs e)
    {
        foreach (var subscription in _subscriptions.Keys)
            subscription.Missed();
    }

    /// <summary>
    /// Every change of <paramref name="user"/>'s inbox from this call on, until the subscription is disposed.
    /// </summary>
    public Subscription Subscribe(string user)
    {
        var subscription = new Subscription(user, s => _subscriptions.TryRemove(s, out _));
        _subscriptions[subscription] = 0;
        return subscription;
    }

    /// <summary>One subscriber's changes. A null change means "changes may have been missed here: reload".</summary>
    public sealed class Subscription(string user, Action<Subscription> remove) : IDisposable
    {
        private readonly Channel<InboxChange?> _changes = Channel.CreateBounded<InboxChange?>(
            new BoundedChannelOptions(Buffer) { SingleReader = true }
        );
        private volatile bool _missed;

        public string User => user;

        public void Offer(InboxChange change)
        {
            if (_missed && _changes.Writer.TryWrite(null))
                _missed = false;
            if (!_changes.Writer.TryWrite(change))
                _missed = true;
        }

        public void Missed()
        {
            if (!_changes.Writer.TryWrite(null))
                _missed = true;
        }

        public void Complete() => _changes.Writer.TryComplete();

        public IAsyncEnumerable<InboxChange?> ReadAllAsync(CancellationToken cancellationToken) =>
            _changes.Reader.ReadAllAsync(cancellationToken);

        public void Dispose() => remove(this);
    }
}
