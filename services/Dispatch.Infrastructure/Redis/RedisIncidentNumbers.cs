using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Incident numbers from a Redis counter per day: INCR is atomic across every silo, and the claim key makes
/// the same report get the same number when it is sent again.
/// </summary>
public sealed class RedisIncidentNumbers(IConnectionMultiplexer redis, KeySpace keys) : IIncidentNumbers
{
    /// <summary>How long a report's claim on its number is kept: far longer than any client retries.</summary>
    private static readonly TimeSpan ClaimLifetime = TimeSpan.FromDays(7);

    private static readonly LuaScript Assign = LuaScript.Prepare(
        """
        local existing = redis.call('GET', @claim)
        if existing then return existing end
        local n = redis.call('INCR', @counter)
        local number = @prefix .. string.format('%06d', n)
        redis.call('SET', @claim, number, 'EX', @lifetime)
        return number
        """);

    public async Task<string> AssignAsync(string reporter, string commandId, string prefix)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Assign, new
        {
            claim = (RedisKey)keys.Shared($"numbers:claims:{reporter.Length}:{reporter}:{commandId}"),
            counter = (RedisKey)keys.Shared($"numbers:{prefix}"),
            prefix,
            lifetime = (long)ClaimLifetime.TotalSeconds,
        });
        return (string)result!;
    }
}
