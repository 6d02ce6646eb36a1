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
    private readonly ConcurrentDictionary<EndPoint, SharedRounds> _shards = new();

    public int Replicas => replicas;

    /// <summary>
    /// Waits until the writes made so far on the connection to <paramref name="key"/>'s shard are on the replicas.
    /// </summary>
    public Task WaitAsync(RedisKey key)
    {
        if (replicas == 0)
            return Task.CompletedTask;
        var server = redis.GetServer(key);
        return _shards.GetOrAdd(server.EndPoint, _ => new SharedRounds(() => ConfirmAsync(server))).RunAsync();
    }

    private async Task ConfirmAsync(IServer server)
    {
        var confirmed = (long)await server.ExecuteAsync("WAIT", replicas, (long)timeout.TotalMilliseconds);
        if (confirmed < replicas)
            throw new StoreUnavailableException(
                $"only {confirmed} of {replicas} replica(s) confirmed the write "
                    + $"within {timeout.TotalMilliseconds:0} ms; send it again"
            );
    }
}

/// <summary>
/// Rounds of a call that covers everything asked before it began (a shard's <c>WAIT</c>): one round in flight; the
/// callers that come meanwhile share the next, which starts when it ends. A round may end before it yields (a
/// connection that fails the call at once); the next one is started all the same.
/// </summary>
public sealed class SharedRounds(Func<Task> round)
{
    private readonly Lock _lock = new();
    private bool _running;
    private TaskCompletionSource? _next;

    public Task RunAsync()
    {
        lock (_lock)
        {
            // The round in flight may have begun before this caller asked: it needs the next one.
            if (_running)
                return (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            _running = true;
        }
        return RunAsync(null);
    }

    private async Task RunAsync(TaskCompletionSource? batch)
    {
        try
        {
            await round();
            batch?.TrySetResult();
        }
        catch (Exception e) when (batch is not null)
        {
            batch.TrySetException(e);
        }
        finally
        {
            TaskCompletionSource? next;
            lock (_lock)
            {
                (next, _next) = (_next, null);
                _running = next is not null;
            }
            // Started outside the lock, and whether this round yielded or not: the flag says a round runs.
            if (next is not null)
                _ = RunAsync(next);
        }
    }
}
