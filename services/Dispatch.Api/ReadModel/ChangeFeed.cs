using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Dispatch.Contracts;
using Dispatch.Domain;
using Dispatch.Grains;
using StackExchange.Redis;

namespace Dispatch.Api.ReadModel;

/// <summary>A projected change; <see cref="Missed"/> says changes before it were lost to a slow subscriber.</summary>
public sealed record Change(ChangeNotice Notice, bool Missed = false)
{
    public Incident Incident => Notice.Incident;
}

/// <summary>
/// Fans the projection's change notices (Redis pub/sub, so every API instance hears every change) out to the
/// live subscribers of this instance. Each notice carries the incident as that change left it. A
/// subscriber that cannot keep up loses changes rather than memory, and is told it missed some (then it reloads).
/// </summary>
public sealed class ChangeFeed(IConnectionMultiplexer redis, RedisKeys keys, ILogger<ChangeFeed> logger) : IHostedService
{
    private const int Buffer = 512;
    private readonly ConcurrentDictionary<Guid, Subscriber> _subscribers = new();
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.ReadModel.Changes));
        _queue.OnMessage(message =>
        {
            if (_subscribers.IsEmpty) return;
            try
            {
                var notice = JsonSerializer.Deserialize<ChangeNotice>((string)message.Message!, DispatchSerialization.Json)!;
                foreach (var subscriber in _subscribers.Values) subscriber.Offer(new Change(notice));
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A change notice could not be delivered");
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null) await _queue.UnsubscribeAsync();
        foreach (var subscriber in _subscribers.Values) subscriber.Complete();
    }

    /// <summary>Every change from now on until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<Change> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var subscriber = new Subscriber();
        _subscribers[id] = subscriber;
        try
        {
            await foreach (var change in subscriber.ReadAllAsync(cancellationToken)) yield return change;
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    private sealed class Subscriber
    {
        private readonly Channel<Change> _changes = System.Threading.Channels.Channel.CreateBounded<Change>(new BoundedChannelOptions(Buffer) { SingleReader = true });
        private volatile bool _missed;

        public void Offer(Change change)
        {
            if (!_changes.Writer.TryWrite(change)) _missed = true;
        }

        public void Complete() => _changes.Writer.TryComplete();

        public async IAsyncEnumerable<Change> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var change in _changes.Reader.ReadAllAsync(cancellationToken))
            {
                if (_missed)
                {
                    _missed = false;
                    yield return change with { Missed = true };
                }
                yield return change;
            }
        }
    }
}
