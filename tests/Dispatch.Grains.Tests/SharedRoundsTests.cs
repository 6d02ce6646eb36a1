using Dispatch.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>The rounds that a shard's writers share their <c>WAIT</c>s in: pure logic, no Redis.</summary>
public class SharedRoundsTests
{
    [Fact]
    public async Task Callers_during_a_round_share_the_next_one_and_each_hears_how_its_own_round_ended()
    {
        var gates = new List<TaskCompletionSource>();
        var rounds = new SharedRounds(() =>
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gates)
                gates.Add(gate);
            return gate.Task;
        });
        var first = rounds.RunAsync();
        var (second, third) = (rounds.RunAsync(), rounds.RunAsync());
        Assert.Single(gates);
        gates[0].SetResult();
        await first;
        await WaitForAsync(() => gates.Count == 2);
        Assert.False(second.IsCompleted);
        gates[1].SetException(new InvalidOperationException("no replica"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        await Assert.ThrowsAsync<InvalidOperationException>(() => third);
        Assert.Equal(2, gates.Count);
    }

    [Fact]
    public async Task A_round_that_ends_before_it_yields_leaves_the_next_callers_their_own_rounds()
    {
        // A connection that is down fails the call at once: the round is over before RunAsync returns.
        var calls = 0;
        var rounds = new SharedRounds(() =>
        {
            calls++;
            return Task.FromException(new InvalidOperationException("connection down"));
        });
        for (var i = 0; i < 3; i++)
        {
            var round = rounds.RunAsync();
            // Before the fix the second caller waited for a round nobody would start.
            Assert.True(round.IsCompleted, $"caller {i} was left waiting");
            await Assert.ThrowsAsync<InvalidOperationException>(() => round);
        }
        Assert.Equal(3, calls);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
