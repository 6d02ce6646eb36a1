using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// What an acknowledgement promises (<c>Store:WaitForReplicas</c>). With 0 (a single redis-server): the write is in
/// the server's memory and in its AOF, fsynced within a second. With 1 or more: a write is acknowledged only after
/// that many replicas of its shard confirmed it (Redis <c>WAIT</c>), so the loss of the primary loses nothing that
/// was acknowledged. Too few confirmations within <c>Store:ReplicaTimeout</c> fail the write as an outage, and the
/// caller sends it again.
/// </summary>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, int replicas, TimeSpan timeout)
{
    public int Replicas => replicas;

    /// <summary>Waits until the writes made so far on the connection to <paramref name="key"/>'s shard are on the replicas.</summary>
    public async Task WaitAsync(RedisKey key)
    {
        if (replicas == 0) return;
        var confirmed = (long)await redis.GetServer(key).ExecuteAsync("WAIT", replicas, (long)timeout.TotalMilliseconds);
        if (confirmed < replicas)
            throw new StoreUnavailableException(
                $"only {confirmed} of {replicas} replica(s) confirmed the write within {timeout.TotalMilliseconds:0} ms; send it again");
    }
}
