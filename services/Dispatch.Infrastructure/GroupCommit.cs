using System.Threading.Channels;

namespace Dispatch.Infrastructure;

/// <summary>
/// Write coalescing: items handed in while a write is in flight all go into the next write, so a storm of small
/// writes becomes a few large ones, and each item's task completes when the write that holds it has (or fails with
/// it). One writer at a time; at most <c>maxBatch</c> items per write.
/// </summary>
public sealed class GroupCommit<T> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<T>, Task> _write;
    private readonly int _maxBatch;
    private readonly Channel<(T Item, TaskCompletionSource Done)> _pending = Channel.CreateUnbounded<(
        T,
        TaskCompletionSource
    )>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public GroupCommit(Func<IReadOnlyList<T>, Task> write, int maxBatch = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        (_write, _maxBatch) = (write, maxBatch);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Hands in an item; the task completes once it is written.</summary>
    public Task AddAsync(T item)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((item, done)))
            throw new ObjectDisposedException(nameof(GroupCommit<T>));
        return done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(T Item, TaskCompletionSource Done)>();
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var next))
                batch.Add(next);
            try
            {
                await _write([.. batch.Select(b => b.Item)]);
                foreach (var (_, done) in batch)
                    done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch)
                    done.TrySetException(e);
            }
            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }
}
