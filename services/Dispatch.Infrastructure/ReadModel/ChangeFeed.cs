using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// Fans the projection's change notices (Redis pub/sub, so every API instance hears every change) out to the
/// live subscribers of this instance. Each notice carries the incident as that change left it. Pub/sub does not
/// keep what it could not deliver, so a subscriber is told when it may have missed changes (it fell behind and
/// its buffer overflowed, or the connection to Redis dropped), and then reloads its list.
/// </summary>
public sealed class ChangeFeed(IConnectionMultiplexer redis, KeySpace keys, ILogger<ChangeFeed> logger) : IHostedService
{
    private const int Buffer = 512;
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += MissedByAll;
        redis.ConnectionRestored += MissedByAll;
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(new ReadModelKeys(keys).Changes));
        _queue.OnMessage(message =>
        {
            if (_subscriptions.IsEmpty)
                return;
            try
            {
                var notice = JsonSerializer.Deserialize<ChangeNotice>(
                    (string)message.Message!,
                    DispatchSerialization.Json
                )!;
                foreach (var subscription in _subscriptions.Keys)
                    subscription.Offer(notice);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A change notice could not be read");
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

    /// <summary>Every change from this call on, until the subscription is disposed.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(s => _subscriptions.TryRemove(s, out _));
        _subscriptions[subscription] = 0;
        return subscription;
    }

    /// <summary>One subscriber's changes. A null notice means "changes may have been missed here: reload".</summary>
    public sealed class Subscription(Action<Subscription> remove) : IDisposable
    {
        private readonly Channel<ChangeNotice?> _changes = Channel.CreateBounded<ChangeNotice?>(
            new BoundedChannelOptions(Buffer) { SingleReader = true }
        );
        private volatile bool _missed;

        public void Offer(ChangeNotice notice)
        {
            if (_missed && _changes.Writer.TryWrite(null))
                _missed = false;
            if (!_changes.Writer.TryWrite(notice))
                _missed = true;
        }

        public void Missed()
        {
            if (!_changes.Writer.TryWrite(null))
                _missed = true;
        }

        public void Complete() => _changes.Writer.TryComplete();

        public IAsyncEnumerable<ChangeNotice?> ReadAllAsync(CancellationToken cancellationToken) =>
            _changes.Reader.ReadAllAsync(cancellationToken);

        public void Dispose() => remove(this);
    }
}
