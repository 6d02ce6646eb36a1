using Dispatch.Abstractions;
using Dispatch.ServiceDefaults;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// What counts as an outage of the store or the cluster, in one place: Redis unreachable, timing out or answering
/// "not now" (loading its data, a replica that cannot write yet, out of memory), a silo reporting a store outage
/// (<see cref="StoreUnavailableException"/>), no silo answering, or a storage conflict.
/// </summary>
public sealed class StoreOutage : IOutageClassifier
{
    /// <summary>Replies of a Redis server that mean "not now" rather than "wrong", by their error prefix.</summary>
    private static readonly string[] NotNow = ["LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "OOM"];

    public bool IsOutage(Exception exception) => Is(exception);

    public static bool Is(Exception e) =>
        e switch
        {
            StoreUnavailableException or RedisConnectionException or RedisTimeoutException => true,
            RedisServerException server => NotNow.Any(p => server.Message.StartsWith(p, StringComparison.Ordinal)),
            Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException => true,
            Orleans.Storage.InconsistentStateException => true,
            _ => false,
        };

    /// <summary>The outage in <paramref name="e"/> or its inner exceptions, if any.</summary>
    public static Exception? Find(Exception? e) =>
        e switch
        {
            null => null,
            _ when Is(e) => e,
            AggregateException { InnerExceptions: var inner } => inner.Select(Find).FirstOrDefault(x => x is not null),
            _ => Find(e.InnerException),
        };
}
