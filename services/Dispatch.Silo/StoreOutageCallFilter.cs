using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Dispatch.Silo;

/// <summary>
/// A store outage inside a grain call (no connection, a timeout, a server still loading) leaves the silo as a
/// <see cref="StoreUnavailableException"/>: the store's own exception types have no Orleans codec and would reach
/// the caller as a serialization error that says nothing about the outage. Other store errors (a script or type
/// error: a bug) are not outages; they are logged and passed on as they are.
/// </summary>
public sealed class StoreOutageCallFilter(ILogger<StoreOutageCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (e is not StoreUnavailableException && Outage(e) is { } outage)
        {
            logger.LogWarning(e, "{Method} failed: the store is unavailable", context.MethodName);
            throw new StoreUnavailableException($"the store is unavailable: {outage.GetType().Name}: {outage.Message}");
        }
        catch (StackExchange.Redis.RedisException e)
        {
            logger.LogError(e, "{Method} failed on a Redis error that is not an outage", context.MethodName);
            throw new InvalidOperationException($"Redis refused the operation: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// The outage in <paramref name="e"/>: a store outage anywhere in it, or a failure of Orleans' grain storage on
    /// Redis (its exception type exists only on silos, so a client could not even read it).
    /// </summary>
    internal static Exception? Outage(Exception? e) =>
        e switch
        {
            null => null,
            Orleans.Persistence.Redis.RedisStorageException storage => StoreOutage.Find(storage.InnerException)
                ?? storage,
            _ when StoreOutage.Is(e) => e,
            AggregateException { InnerExceptions: var inner } => inner
                .Select(Outage)
                .FirstOrDefault(x => x is not null),
            _ => Outage(e.InnerException),
        };
}
