using System.Globalization;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// A page of one action-queue bucket, how many it holds, and the count of every bucket (all with the filter).
/// </summary>
public sealed record QueueSlice(
    IReadOnlyList<Incident> Items,
    int Total,
    IReadOnlyList<(string Bucket, int Count)> Buckets
);

/// <summary>
/// The console's reads: the action queue's buckets, numbers by prefix or last digits, the positions of a set of
/// incidents for the heat map, counts of index intersections for the wall screen, and the noisiest devices of a day.
/// </summary>
public sealed partial class ReadModelStore
{
    /// <summary>The most numbers one lookup answers with.</summary>
    public const int NumberMatches = 20;

    /// <summary>
    /// A page of <paramref name="bucket"/> narrowed by <paramref name="query"/> and <paramref name="scope"/>, in
    /// the bucket's own order (first deadline first, then priority), with the count of every bucket.
    /// </summary>
    public Task<QueueSlice> QueueAsync(
        string bucket,
        IncidentQuery query,
        IReadOnlyList<string>? scope,
        int skip,
        int take
    ) =>
        Read(async () =>
        {
            var scratch = new List<RedisKey>();
            try
            {
                var groups = query.Groups(scope);
                RedisKey? narrowing = groups.Count == 0 ? null : (RedisKey?)await CombineAsync(groups, scratch);
                var counts = new List<(string, int)>();
                foreach (var name in ActionQueue.Buckets)
                {
                    var count = narrowing is { } n
                        ? await Db.SortedSetIntersectionLengthAsync([_rm.Queue(name), n])
                        : await Db.SortedSetLengthAsync(_rm.Queue(name));
                    counts.Add((name, (int)count));
                }
                RedisKey source = _rm.Queue(bucket);
                if (narrowing is { } narrow)
                {
                    // The bucket's score (the due instant) is kept; the narrowing sets only decide membership.
                    source = _rm.Scratch(Guid.NewGuid().ToString("N"));
                    scratch.Add(source);
                    var tx = Db.CreateTransaction();
                    _ = tx.SortedSetCombineAndStoreAsync(
                        SetOperation.Intersect,
                        source,
                        [_rm.Queue(bucket), narrow],
                        [1, 0],
                        Aggregate.Sum
                    );
                    _ = tx.KeyExpireAsync(source, ScratchLifetime);
                    await tx.ExecuteAsync();
                }
                var total = counts.First(c => c.Item1 == bucket).Item2;
                var numbers = await Db.SortedSetRangeByRankAsync(source, skip, skip + take - 1);
                return new QueueSlice(await GetManyAsync(numbers.Select(v => (string)v!)), total, counts);
            }
            finally
            {
                if (scratch.Count > 0)
                    await Db.KeyDeleteAsync([.. scratch]);
            }
        });

    /// <summary>
    /// Incident numbers that are <paramref name="digits"/>, end with them, or start with them (with or without the
    /// district's prefix), at most <see cref="NumberMatches"/>, the newest first.
    /// </summary>
    public Task<IReadOnlyList<string>> FindNumbersAsync(string digits) =>
        Read<IReadOnlyList<string>>(async () =>
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            async Task Prefix(RedisKey key, string prefix, Func<string, string> back)
            {
                var hits = await Db.SortedSetRangeByValueAsync(
                    key,
                    prefix,
                    prefix + "\uffff",
                    Exclude.None,
                    Order.Ascending,
                    0,
                    NumberMatches * 5
                );
                foreach (var hit in hits)
                    found.Add(back((string)hit!));
            }
            await Prefix(_rm.NumbersReversed, IncidentProjection.Reversed(digits), IncidentProjection.Reversed);
            await Prefix(_rm.Numbers, digits, n => n);
            if (found.Count == 0 && char.IsDigit(digits[0]))
            {
                // A number written without its prefix ("20261128-000123"): the prefixes in use are few, so ask each.
                var first = await Db.SortedSetRangeByRankAsync(_rm.Numbers, 0, 0);
                if (first.Length == 1 && ((string)first[0]!).IndexOf('-') is var dash and > 0)
                    await Prefix(_rm.Numbers, ((string)first[0]!)[..(dash + 1)] + digits, n => n);
            }
            // Numbers carry their day and a running count, so the ordinal order backwards is newest first.
            return [.. found.Reverse().Take(NumberMatches)];
        });

    /// <summary>
    /// The positions of every incident in the intersection of <paramref name="groups"/>, reported within the range
    /// (null: any time), read from the positions hash without loading an incident.
    /// </summary>
    public Task<IReadOnlyList<GeoPoint>> PositionsAsync(
        List<IReadOnlyList<string>> groups,
        DateTimeOffset? from,
        DateTimeOffset? to
    ) =>
        Read<IReadOnlyList<GeoPoint>>(async () =>
        {
            var scratch = new List<RedisKey>();
            try
            {
                var source = await CombineAsync(groups, scratch);
                var numbers = await Db.SortedSetRangeByScoreAsync(
                    source,
                    from?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity,
                    to?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity
                );
                var points = new List<GeoPoint>(numbers.Length);
                foreach (var chunk in numbers.Chunk(Chunk * 2))
                {
                    foreach (var value in await Db.HashGetAsync(_rm.Positions, chunk))
                    {
                        if (value.IsNull)
                            continue;
                        var parts = ((string)value!).Split(',');
                        if (
                            parts.Length == 2
                            && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var lat)
                            && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var lon)
                        )
                            points.Add(new GeoPoint(lat, lon));
                    }
                }
                return points;
            }
            finally
            {
                if (scratch.Count > 0)
                    await Db.KeyDeleteAsync([.. scratch]);
            }
        });

    /// <summary>How many incidents are in every one of these indexes (their intersection).</summary>
    public Task<long> CountAsync(params string[] indexes) =>
        Read(async () =>
            indexes.Length == 1
                ? await Db.SortedSetLengthAsync(_rm.Index(indexes[0]))
                : await Db.SortedSetIntersectionLengthAsync([.. indexes.Select(i => (RedisKey)_rm.Index(i))])
        );

    /// <summary>How many incidents of an index were reported within [from, to).</summary>
    public Task<long> CountReportedAsync(string index, DateTimeOffset from, DateTimeOffset to) =>
        Read(async () =>
            await Db.SortedSetLengthAsync(
                _rm.Index(index),
                from.ToUnixTimeMilliseconds(),
                to.ToUnixTimeMilliseconds(),
                Exclude.Stop
            )
        );

    /// <summary>The newest incidents of the intersection of these indexes (at most <paramref name="take"/>).</summary>
    public Task<IReadOnlyList<Incident>> NewestAsync(int take, params string[] indexes) =>
        Read(async () =>
        {
            var scratch = new List<RedisKey>();
            try
            {
                var source = await CombineAsync([.. indexes.Select(i => (IReadOnlyList<string>)[i])], scratch);
                var numbers = await Db.SortedSetRangeByRankAsync(source, 0, take - 1, Order.Descending);
                return await GetManyAsync(numbers.Select(n => (string)n!));
            }
            finally
            {
                if (scratch.Count > 0)
                    await Db.KeyDeleteAsync([.. scratch]);
            }
        });

    /// <summary>
    /// The devices that sent the most alerts on a day, with their counts, and how many devices sent any.
    /// </summary>
    public Task<(IReadOnlyList<(string Device, long Alerts)> Top, long Devices)> DeviceAlertsAsync(
        DateOnly day,
        int take
    ) =>
        Read<(IReadOnlyList<(string, long)>, long)>(async () =>
        {
            var top = await Db.SortedSetRangeByRankWithScoresAsync(
                _rm.DeviceAlerts(day),
                0,
                take - 1,
                Order.Descending
            );
            var devices = await Db.SortedSetLengthAsync(_rm.DeviceAlerts(day));
            return ([.. top.Select(e => ((string)e.Element!, (long)e.Score))], devices);
        });

    /// <summary>Records a photo sent with an incident's report (once, however often it is sent).</summary>
    public async Task AddReportPhotoAsync(string number, string evidenceId)
    {
        var key = _rm.ReportPhotos(number);
        if (!(await Db.ListRangeAsync(key)).Contains(evidenceId))
            await Db.ListRightPushAsync(key, evidenceId);
    }

    /// <summary>The photos sent with an incident's report, in the order they came.</summary>
    public async Task<IReadOnlyList<string>> ReportPhotosAsync(string number) =>
        [.. (await Db.ListRangeAsync(_rm.ReportPhotos(number))).Select(v => (string)v!)];
}
