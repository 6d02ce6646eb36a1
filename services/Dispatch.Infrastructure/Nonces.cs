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
        redis
            .GetDatabase()
            .StringSetAsync(keys.Tagged($"gateway:{gatewayId}", $"nonce:{nonce}"), 1, window, When.NotExists);
}
