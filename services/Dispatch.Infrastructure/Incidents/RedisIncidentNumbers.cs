using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Incident numbers from a Redis counter per day, handed to each silo in blocks of <see cref="BlockSize"/>: a new
/// number costs one command (the claim), and a block one more. The claim (<c>SET … NX GET</c>, kept
/// <see cref="ClaimLifetime"/>) makes the same report get the same number when it is sent again.
/// What blocks do to the numbers: within one silo they rise with time; across silos they interleave by block, so a
/// higher number is not always a later report; and numbers left in a silo's block when it stops, or taken by a
/// retried report that had its number already, are never used (gaps). Numbers stay unique and readable.
/// </summary>
public sealed class RedisIncidentNumbers(IConnectionMultiplexer redis, KeySpace keys) : IIncidentNumbers
{
    public const int BlockSize = 50;

    /// <summary>How long a report's claim on its number is kept: far longer than any client retries.</summary>
    private static readonly TimeSpan ClaimLifetime = TimeSpan.FromDays(7);

    private readonly Dictionary<string, (long Next, long End)> _blocks = [];
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<string> AssignAsync(string reporter, string commandId, string prefix)
    {
        var number = $"{prefix}{await NextAsync(prefix):D6}";
        // The claim's hash tag is the claim itself, so claims spread over the shards of a cluster.
        var claim = keys.Tagged($"claim:{reporter.Length}:{reporter}:{commandId}", "number");
        var earlier = await redis.GetDatabase().StringSetAndGetAsync(claim, number, ClaimLifetime, when: When.NotExists);
        return earlier.IsNull ? number : (string)earlier!;
    }

    private async Task<long> NextAsync(string prefix)
    {
        await _turn.WaitAsync();
        try
        {
            if (!_blocks.TryGetValue(prefix, out var block) || block.Next > block.End)
            {
                var end = await redis.GetDatabase().StringIncrementAsync(keys.Shared($"numbers:{prefix}"), BlockSize);
                block = (end - BlockSize + 1, end);
                foreach (var old in _blocks.Keys.Where(p => p != prefix).ToList()) _blocks.Remove(old); // yesterday's
            }
            _blocks[prefix] = (block.Next + 1, block.End);
            return block.Next;
        }
        finally
        {
            _turn.Release();
        }
    }
}
