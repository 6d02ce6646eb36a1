using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Incident numbers from a Redis counter per day, handed to each silo in blocks of <see cref="BlockSize"/>: a new
/// number costs one command (the claim), and a block one more. The claim (<c>SET … NX GET</c>, kept
/// <see cref="ClaimLifetime"/>) makes the same report get the same number when it is sent again. The next block is
/// claimed when half of the current one is used, so that reports do not queue behind the round trip of a block claim.
/// What blocks do to the numbers: within one silo they rise with time; across silos they interleave by block, so a
/// higher number is not always a later report; and numbers left in a silo's blocks when it stops (up to two blocks),
/// or taken by a retried report that had its number already, are never used (gaps). Numbers stay unique and readable.
/// </summary>
public sealed class RedisIncidentNumbers(IConnectionMultiplexer redis, KeySpace keys) : IIncidentNumbers
{
    public const int BlockSize = 50;

    /// <summary>How long a report's claim on its number is kept: far longer than any client retries.</summary>
    private static readonly TimeSpan ClaimLifetime = TimeSpan.FromDays(7);

    private readonly Lock _turn = new();

    /// <summary>The day's prefix the block is of; a new day's first number starts from a new block.</summary>
    private string? _prefix;
    private long _next = 1,
        _end;

    /// <summary>The next block being claimed (the end of it, once the counter answers); null while none is.</summary>
    private Task<long>? _claiming;

    public async Task<string> AssignAsync(string reporter, string commandId, string prefix)
    {
        var number = $"{prefix}{await NextAsync(prefix):D6}";
        // The claim's hash tag is the claim itself, so claims spread over the shards of a cluster.
        var claim = keys.Tagged($"claim:{reporter.Length}:{reporter}:{commandId}", "number");
        var earlier = await redis
            .GetDatabase()
            .StringSetAndGetAsync(claim, number, ClaimLifetime, when: When.NotExists);
        return earlier.IsNull ? number : (string)earlier!;
    }

    private async Task<long> NextAsync(string prefix)
    {
        while (true)
        {
            Task<long> claiming;
            lock (_turn)
            {
                if (_prefix != prefix)
                {
                    // Yesterday's block and its claim are of no use today.
                    (_prefix, _next, _end, _claiming) = (prefix, 1, 0, null);
                }
                if (_next <= _end)
                {
                    var number = _next++;
                    if (_end - _next < BlockSize / 2)
                        _claiming ??= ClaimBlockAsync(prefix);
                    return number;
                }
                if (_claiming is { IsFaulted: true })
                    _claiming = null; // a claim made ahead failed: claim again
                claiming = _claiming ??= ClaimBlockAsync(prefix);
            }
            long end;
            try
            {
                end = await claiming;
            }
            catch
            {
                lock (_turn)
                {
                    if (_claiming == claiming)
                        _claiming = null; // the next caller claims again
                }
                throw;
            }
            lock (_turn)
            {
                // The first to wake takes the claimed block into use; the others find it there.
                if (_claiming == claiming && _prefix == prefix)
                {
                    (_next, _end) = (end - BlockSize + 1, end);
                    _claiming = null;
                }
            }
        }
    }

    private async Task<long> ClaimBlockAsync(string prefix) =>
        await redis.GetDatabase().StringIncrementAsync(keys.Shared($"numbers:{prefix}"), BlockSize);
}
