using Dispatch.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>
/// Incident numbers in blocks on a real redis-server: unique, and never waiting for a block's round trip.
/// </summary>
[Collection(RedisFixture.Collection)]
public class IncidentNumbersTests(RedisFixture redis)
{
    private const string Prefix = "PT-20261201-";
    private readonly KeySpace _keys = new($"numbers-{Guid.NewGuid():N}");

    private async Task<long> CounterAsync() =>
        (long)await redis.Connection.GetDatabase().StringGetAsync(_keys.Shared($"numbers:{Prefix}"));

    [Fact]
    public async Task The_next_block_is_claimed_before_the_current_one_runs_out()
    {
        var numbers = new RedisIncidentNumbers(redis.Connection, _keys);
        for (var i = 0; i <= RedisIncidentNumbers.BlockSize / 2; i++)
            await numbers.AssignAsync("h.zhao", $"c{i}", Prefix);

        await Ops.EventuallyAsync(
            CounterAsync,
            claimed => claimed == 2 * RedisIncidentNumbers.BlockSize,
            TimeSpan.FromSeconds(10),
            "the second block to be claimed"
        );
    }

    [Fact]
    public async Task Numbers_handed_out_at_once_over_several_blocks_are_unique_and_follow_each_other()
    {
        var numbers = new RedisIncidentNumbers(redis.Connection, _keys);
        var count = 3 * RedisIncidentNumbers.BlockSize + 7;

        var assigned = await Task.WhenAll(
            Enumerable.Range(0, count).Select(i => numbers.AssignAsync("h.zhao", $"c{i}", Prefix))
        );

        Assert.Equal(Enumerable.Range(1, count), assigned.Select(n => int.Parse(n[Prefix.Length..])).Order());
        Assert.InRange(await CounterAsync(), count, count + 2 * RedisIncidentNumbers.BlockSize);
    }
}
