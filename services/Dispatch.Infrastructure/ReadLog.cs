using Dispatch.Domain;
using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// One logged read: of an incident, or of a list page (then <see cref="Numbers"/> holds every incident it showed).
/// </summary>
public sealed record ReadEntry(
    DateTimeOffset At,
    string UserId,
    string Role,
    string? Unit,
    IReadOnlyList<string> Numbers,
    string What
);

/// <summary>
/// The access log for spot checks (访问抽查): every read of an incident or of a list of them, written to a Redis
/// Stream before it is shown; the archive keeps it, and its retention trims it by age (<c>Archive:ReadLogDays</c>).
/// </summary>
public sealed class ReadLog(IConnectionMultiplexer redis, KeySpace keys, TimeProvider time)
{
    /// <summary>How far back a filtered listing looks.</summary>
    private const int ScanDepth = 20_000;

    /// <summary>The log (XADD entries with fields at, user, role, unit, incident, what).</summary>
    private string Stream => keys.Shared("reads");

    public Task RecordAsync(Principal who, string number, string what) => RecordAsync(who, [number], what);

    public async Task RecordAsync(Principal who, IReadOnlyCollection<string> numbers, string what) =>
        await redis
            .GetDatabase()
            .StreamAddAsync(
                Stream,
                [
                    new("at", time.GetUtcNow().ToUnixTimeMilliseconds()),
                    new("user", who.UserId),
                    new("role", who.Role.ToString()),
                    new("unit", who.Unit ?? ""),
                    new("incident", string.Join(',', numbers)),
                    new("what", what),
                ]
            );

    /// <summary>The newest reads, optionally only of one incident or by one user.</summary>
    public async Task<IReadOnlyList<ReadEntry>> ListAsync(string? number, string? userId, int limit)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(Stream, "-", "+", ScanDepth, Order.Descending);
        return
        [
            .. entries
                .Select(e => new ReadEntry(
                    DateTimeOffset.FromUnixTimeMilliseconds((long)e["at"]),
                    e["user"]!,
                    e["role"]!,
                    e["unit"] is { IsNullOrEmpty: false } unit ? (string)unit! : null,
                    ((string)e["incident"]!).Split(','),
                    e["what"]!
                ))
                .Where(r => (number is null || r.Numbers.Contains(number)) && (userId is null || r.UserId == userId))
                .Take(limit),
        ];
    }
}
