using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Dispatch.Abstractions;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Fans the messages of one Redis pub/sub channel (every instance hears every message) out to the live subscribers
/// of this instance, each to the subscriptions that want it. Pub/sub keeps nothing it could not deliver, so a
/// subscriber is told when it may have missed messages (it fell behind and its buffer overflowed, or the connection
/// to Redis dropped), and then reloads what it shows.
/// </summary>
public abstract class PubSubFeed<T>(IConnectionMultiplexer redis, ILogger logger, int buffer) : IHostedService
    where T : class
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private ChannelMessageQueue? _queue;

    /// <summary>The channel the messages come on.</summary>
    protected abstract RedisChannel Channel { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += MissedByAll;
        redis.ConnectionRestored += MissedByAll;
        _queue = await redis.GetSubscriber().SubscribeAsync(Channel);
        _queue.OnMessage(message =>
        {
            if (_subscriptions.IsEmpty)
                return;
            try
            {
                var item = JsonSerializer.Deserialize<T>((string)message.Message!, DispatchSerialization.Json)!;
                foreach (var subscription in _subscriptions.Keys)
                    subscription.Offer(item);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A message of {Channel} could not be read", Channel);
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

    /// <summary>Every message <paramref name="wants"/> from this call on, until the subscription is disposed.</summary>
    protected Subscription Add(Func<T, bool> wants)
    {
        var subscription = new Subscription(wants, buffer, s => _subscriptions.TryRemove(s, out _));
        _subscriptions[subscription] = 0;
        return subscription;
    }

    /// <summary>One subscriber's messages. A null one means "messages may have been missed here: reload".</summary>
    public sealed class Subscription(Func<T, bool> wants, int buffer, Action<Subscription> remove) : IDisposable
    {
        private readonly Channel<T?> _items = System.Threading.Channels.Channel.CreateBounded<T?>(
            new BoundedChannelOptions(buffer) { SingleReader = true }
        );
        private volatile bool _missed;

        public void Offer(T item)
        {
            if (!wants(item))
                return;
            if (_missed && _items.Writer.TryWrite(null))
                _missed = false;
            if (!_items.Writer.TryWrite(item))
                _missed = true;
        }

        public void Missed()
        {
            if (!_items.Writer.TryWrite(null))
                _missed = true;
        }

        public void Complete() => _items.Writer.TryComplete();

        public IAsyncEnumerable<T?> ReadAllAsync(CancellationToken cancellationToken) =>
            _items.Reader.ReadAllAsync(cancellationToken);

        public void Dispose() => remove(this);
    }
}
