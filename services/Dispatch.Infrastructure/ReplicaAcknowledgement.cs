using System.Collections.Concurrent;
using System.Net;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// What an acknowledgement promises (<c>Store:WaitForReplicas</c>). With 0 (a single redis-server): the write is in
/// the server's memory and in its AOF, fsynced within a second. With 1 or more: a write is acknowledged only after
/// that many replicas of its shard confirmed it (Redis <c>WAIT</c>), so the loss of the primary loses nothing that
/// was acknowledged. Too few confirmations within <c>Store:ReplicaTimeout</c> fail the write as an outage, and the
/// caller sends it again.
/// </summary>
/// <remarks>
/// <c>WAIT</c> covers every write the connection sent before it, and the multiplexer sends all writes to a server
/// over one connection; it also holds that connection until the replicas answer. So the writes of one shard share
/// their <c>WAIT</c>s: while one is in flight, the writers that come meanwhile wait for the next one, sent as soon
/// as it returns, which covers them all. Under load a shard runs one <c>WAIT</c> after another, each for a batch.
/// </remarks>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, int replicas, TimeSpan timeout)
{
    private readonly ConcurrentDictionary<EndPoint, Shard> _shards = new();

    public int Replicas => replicas;

    /// <summary>Waits until the writes made so far on the connection to <paramref name="key"/>'s shard are on the replicas.</summary>
    public Task WaitAsync(RedisKey key)
    {
        if (replicas == 0) return Task.CompletedTask;
        var server = redis.GetServer(key);
        return _shards.GetOrAdd(server.EndPoint, _ => new Shard(this)).WaitAsync(server);
    }

    private async Task ConfirmAsync(IServer server)
    {
        var confirmed = (long)await server.ExecuteAsync("WAIT", replicas, (long)timeout.TotalMilliseconds);
        if (confirmed < replicas)
            throw new StoreUnavailableException(
                $"only {confirmed} of {replicas} replica(s) confirmed the write within {timeout.TotalMilliseconds:0} ms; send it again");
    }

    /// <summary>The <c>WAIT</c>s of one shard: the one in flight, and the next one that the writers since then share.</summary>
    private sealed class Shard(ReplicaAcknowledgement owner)
    {
        private readonly Lock _lock = new();
        private Task? _inFlight;
        private TaskCompletionSource? _next;

        public Task WaitAsync(IServer server)
        {
            lock (_lock)
            {
                if (_inFlight is null) return _inFlight = RunAsync(server, null);
                // The WAIT in flight may have been sent before this writer's write: it needs the next one.
                return (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        private async Task RunAsync(IServer server, TaskCompletionSource? batch)
        {
            try
            {
                await owner.ConfirmAsync(server);
                batch?.TrySetResult();
            }
            catch (Exception e) when (batch is not null)
            {
                batch.TrySetException(e);
            }
            finally
            {
                lock (_lock)
                {
                    var next = _next;
                    _next = null;
                    _inFlight = next is null ? null : RunAsync(server, next);
                }
            }
        }
    }
}
