using System.Collections.Concurrent;
using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>Remembers the nonces of signed calls for the replay window: a nonce is accepted once.</summary>
public interface INonces
{
    /// <summary>True the first time a gateway uses <paramref name="nonce"/> within <paramref name="window"/>.</summary>
    Task<bool> TryUseAsync(string gatewayId, string nonce, TimeSpan window);
}

/// <summary>Nonces in Redis (SET NX with expiry): shared by every ingest process.</summary>
public sealed class RedisNonces(IConnectionMultiplexer redis, KeySpace keys) : INonces
{
    public Task<bool> TryUseAsync(string gatewayId, string nonce, TimeSpan window) =>
        redis.GetDatabase().StringSetAsync(keys.Shared($"nonces:{gatewayId.Length}:{gatewayId}:{nonce}"), 1, window, When.NotExists);
}

/// <summary>Nonces in this process, for the in-memory mode (one ingest process).</summary>
public sealed class InMemoryNonces(TimeProvider time) : INonces
{
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _used = new();

    public Task<bool> TryUseAsync(string gatewayId, string nonce, TimeSpan window)
    {
        var now = time.GetUtcNow();
        if (_used.Count > 100_000)
            foreach (var expired in _used.Where(u => u.Value < now).Select(u => u.Key).ToList()) _used.TryRemove(expired, out _);
        return Task.FromResult(_used.TryAdd((gatewayId, nonce), now + window));
    }
}
