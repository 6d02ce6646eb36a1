using Dispatch.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>Write coalescing, without a store: what comes in during a write goes into the next one.</summary>
public class GroupCommitTests
{
    [Fact]
    public async Task Items_handed_in_while_a_write_is_in_flight_share_the_next_write()
    {
        var writes = new List<IReadOnlyList<int>>();
        var first = new TaskCompletionSource();
        await using var commit = new GroupCommit<int>(async batch =>
        {
            lock (writes)
                writes.Add(batch);
            if (batch.Contains(0))
                await first.Task;
        });

        var zero = commit.AddAsync(0);
        await WaitUntil(() => writes.Count == 1);
        var rest = Enumerable.Range(1, 5).Select(commit.AddAsync).ToList();
        Assert.False(zero.IsCompleted);
        first.SetResult();
        await Task.WhenAll(rest.Append(zero));

        Assert.Equal(
            [
                [0],
                [1, 2, 3, 4, 5],
            ],
            writes.Select(w => w.ToArray())
        );
    }

    [Fact]
    public async Task A_failed_write_fails_its_own_items_only()
    {
        await using var commit = new GroupCommit<int>(
            batch => batch.Contains(13) ? throw new InvalidOperationException("bad luck") : Task.CompletedTask,
            maxBatch: 1
        );

        var good = commit.AddAsync(1);
        var bad = commit.AddAsync(13);
        var after = commit.AddAsync(2);

        await good;
        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        await after;
    }

    [Fact]
    public async Task No_write_holds_more_than_the_batch_limit()
    {
        var sizes = new List<int>();
        var gate = new TaskCompletionSource();
        await using var commit = new GroupCommit<int>(
            async batch =>
            {
                lock (sizes)
                    sizes.Add(batch.Count);
                await gate.Task;
            },
            maxBatch: 3
        );

        var items = Enumerable.Range(0, 10).Select(commit.AddAsync).ToList();
        gate.SetResult();
        await Task.WhenAll(items);
        Assert.All(sizes, size => Assert.InRange(size, 1, 3));
        Assert.Equal(10, sizes.Sum());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
