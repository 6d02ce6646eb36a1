using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// A Redis outage inside a grain call (no connection, a timeout, a server still loading) leaves the silo as an
/// <see cref="OrleansException"/> that names it: the Redis exception types have no Orleans codec, and would
/// otherwise reach the caller as a serialization error that says nothing about the outage. Other Redis errors
/// (a script or type error: a bug) are not outages; they are logged and passed on as they are.
/// </summary>
public sealed class StoreOutageCallFilter(ILogger<StoreOutageCallFilter> logger) : IIncomingGrainCallFilter
{
    /// <summary>How the message of such an exception begins, so callers can recognise it.</summary>
    public const string Prefix = "the store is unavailable";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException || (e is RedisServerException server && UnavailableInterceptor.IsTransient(server)))
        {
            logger.LogWarning(e, "{Method} failed: Redis is unavailable", context.MethodName);
            throw new OrleansException($"{Prefix}: {e.GetType().Name}: {e.Message}");
        }
        catch (RedisException e)
        {
            logger.LogError(e, "{Method} failed on a Redis error that is not an outage", context.MethodName);
            throw new OrleansException($"Redis refused the operation: {e.GetType().Name}: {e.Message}");
        }
    }
}
