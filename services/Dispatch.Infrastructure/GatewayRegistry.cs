using System.Collections.Concurrent;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>A registered IoT gateway (物联网关) and the secret its calls are signed with.</summary>
public sealed record GatewayRegistration(string GatewayId, string Name, string Secret);

/// <summary>
/// The registry of IoT gateways: one Redis hash (<c>{svc}:gateways</c>, gateway id → name and secret), small enough to
/// hold whole, and each ingest process's copy of it in memory. A signed call is checked against the copy, so an
/// unknown or forged gateway costs no store access and no grain: the copy is reloaded every
/// <see cref="RefreshEvery"/> (a gateway registered through another ingest process is known here within that), holds
/// at most <see cref="MaxGateways"/>, and forgets a gateway the store no longer has at the next reload.
/// </summary>
public sealed class GatewayRegistry(IConnectionMultiplexer redis, KeySpace keys, TimeProvider time)
{
    public const int MaxGateways = 100_000;
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(15);

    private ConcurrentDictionary<string, GatewayRegistration> _known = new();
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim _loading = new(1, 1);

    private RedisKey Key => keys.Shared("gateways");

    /// <summary>
    /// Registers the gateway, or returns its existing registration; either way with its signing secret.
    /// </summary>
    public async Task<GatewayRegistration> RegisterAsync(string gatewayId, string name)
    {
        var fresh = new GatewayRegistration(
            gatewayId,
            name,
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        );
        var db = redis.GetDatabase();
        var registration = await db.HashSetAsync(Key, gatewayId, Encode(fresh), When.NotExists)
            ? fresh
            : Decode(gatewayId, await db.HashGetAsync(Key, gatewayId));
        _known[gatewayId] = registration;
        return registration;
    }

    /// <summary>Whether the gateway is registered, asked of the store (for administrators' calls).</summary>
    public async Task<bool> ExistsAsync(string gatewayId) => await redis.GetDatabase().HashExistsAsync(Key, gatewayId);

    /// <summary>
    /// The signing secret of a known gateway from the in-memory copy, or null; reloads the copy when it is old.
    /// </summary>
    public async ValueTask<string?> SecretAsync(string gatewayId)
    {
        if (time.GetUtcNow() - _loadedAt > RefreshEvery)
            await ReloadAsync();
        return _known.TryGetValue(gatewayId, out var known) ? known.Secret : null;
    }

    private async Task ReloadAsync()
    {
        if (!await _loading.WaitAsync(0))
            return; // another call reloads; this one uses the copy it has
        try
        {
            var entries = await redis.GetDatabase().HashScanAsync(Key, pageSize: 1000).Take(MaxGateways).ToListAsync();
            _known = new ConcurrentDictionary<string, GatewayRegistration>(
                entries.Select(e => KeyValuePair.Create((string)e.Name!, Decode(e.Name!, e.Value)))
            );
            _loadedAt = time.GetUtcNow();
        }
        finally
        {
            _loading.Release();
        }
    }

    private static string Encode(GatewayRegistration r) => $"{r.Secret}\n{r.Name}";

    private static GatewayRegistration Decode(string gatewayId, RedisValue value)
    {
        var text = (string)value!;
        var cut = text.IndexOf('\n');
        return new GatewayRegistration(gatewayId, text[(cut + 1)..], text[..cut]);
    }
}
