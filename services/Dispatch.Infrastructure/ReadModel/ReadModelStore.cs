using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>Which incidents a list asks for: values within a field are alternatives, fields combine.</summary>
public sealed record IncidentQuery
{
    public IReadOnlyList<string> States { get; init; } = [];
    public IReadOnlyList<string> Scenarios { get; init; } = [];
    public IReadOnlyList<string> Streets { get; init; } = [];
    public IReadOnlyList<string> Units { get; init; } = [];
    public IReadOnlyList<string> Priorities { get; init; } = [];
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>Worker ids (for "my tasks").</summary>
    public IReadOnlyList<string> Workers { get; init; } = [];
    public bool OverdueOnly { get; init; }
    public bool OpenOnly { get; init; }
    public DateTimeOffset? ReportedFrom { get; init; }
    public DateTimeOffset? ReportedTo { get; init; }

    /// <summary>The index groups to intersect, each a union of indexes; the caller's scope is one more group.</summary>
    public List<IReadOnlyList<string>> Groups(IReadOnlyList<string>? scope)
    {
        var groups = new List<IReadOnlyList<string>>
        {
            States.Select(Indexes.State).ToList(),
            Scenarios.Select(Indexes.Scenario).ToList(),
            Streets.Select(Indexes.Street).ToList(),
            Units.Select(Indexes.Unit).ToList(),
            Priorities.Select(Indexes.Priority).ToList(),
            Channels.Select(Indexes.Channel).ToList(),
            Workers.Select(Indexes.Worker).ToList(),
            scope ?? [],
            OverdueOnly ? [Indexes.Overdue] : [],
            OpenOnly ? [Indexes.Open] : [],
        };
        return [.. groups.Where(g => g.Count > 0)];
    }
}

/// <summary>
/// Reads the read model: lists by combining index sets in Redis (never loading incidents one by one), the
/// projected incidents of a page, the evaluation facts of a period, workloads and positions, daily counters.
/// </summary>
public sealed partial class ReadModelStore(
    IConnectionMultiplexer redis,
    KeySpace keys,
    ResiliencePipelineProvider<string> pipelines
)
{
    /// <summary>Reads are idempotent: timed out and retried by <see cref="Resilience.Read"/>.</summary>
    private async Task<T> Read<T>(Func<Task<T>> read) =>
        await pipelines
            .GetPipeline(Resilience.Read)
            .ExecuteAsync(async timeout => await read().WaitAsync(timeout), CancellationToken.None);

    /// <summary>How many of the newest matching incidents a free-text search looks through.</summary>
    public const int SearchDepth = 5000;
    private const int Chunk = 500;
    private static readonly TimeSpan ScratchLifetime = TimeSpan.FromSeconds(30);
    private readonly ReadModelKeys _rm = new(keys);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// A page of incidents matching <paramref name="query"/> within <paramref name="scope"/> (null: everywhere), newest
    /// report first, and how many match in all. With <paramref name="match"/>, a free-text test, only the newest
    /// <see cref="SearchDepth"/> candidates are looked at.
    /// </summary>
    public async Task<(IReadOnlyList<Incident> Items, int Total)> ListAsync(
        IncidentQuery query,
        IReadOnlyList<string>? scope,
        int skip,
        int take,
        Func<Incident, bool>? match = null
    )
    {
        var scratch = new List<RedisKey>();
        try
        {
            var source = await CombineAsync(query.Groups(scope), scratch);
            var min = query.ReportedFrom?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
            var max = query.ReportedTo?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
            if (match is null)
            {
                var total = await Db.SortedSetLengthAsync(source, min, max, Exclude.Stop);
                var numbers = await Db.SortedSetRangeByScoreAsync(
                    source,
                    min,
                    max,
                    Exclude.Stop,
                    Order.Descending,
                    skip,
                    take
                );
                return (await GetManyAsync(numbers.Select(n => (string)n!)), (int)total);
            }
            var candidates = await Db.SortedSetRangeByScoreAsync(
                source,
                min,
                max,
                Exclude.Stop,
                Order.Descending,
                0,
                SearchDepth
            );
            var matching = (await GetManyAsync(candidates.Select(n => (string)n!))).Where(match).ToList();
            return ([.. matching.Skip(skip).Take(take)], matching.Count);
        }
        finally
        {
            if (scratch.Count > 0)
                await Db.KeyDeleteAsync([.. scratch]);
        }
    }

    /// <summary>
    /// One key holding the intersection of the groups' unions (the whole index when there is no group).
    /// </summary>
    private async Task<RedisKey> CombineAsync(List<IReadOnlyList<string>> groups, List<RedisKey> scratch)
    {
        if (groups.Count == 0)
            return _rm.Index(Indexes.All);
        var parts = new List<RedisKey>();
        foreach (var group in groups)
        {
            if (group.Count == 1)
            {
                parts.Add(_rm.Index(group[0]));
                continue;
            }
            parts.Add(await StoreAsync(SetOperation.Union, [.. group.Select(g => (RedisKey)_rm.Index(g))], scratch));
        }
        return parts.Count == 1 ? parts[0] : await StoreAsync(SetOperation.Intersect, [.. parts], scratch);
    }

    /// <summary>
    /// Combines sets into a scratch key that expires by itself, should the query never get to delete it.
    /// </summary>
    private async Task<RedisKey> StoreAsync(SetOperation operation, RedisKey[] keys, List<RedisKey> scratch)
    {
        RedisKey key = _rm.Scratch(Guid.NewGuid().ToString("N"));
        scratch.Add(key);
        var tx = Db.CreateTransaction();
        _ = tx.SortedSetCombineAndStoreAsync(operation, key, keys, aggregate: Aggregate.Max);
        _ = tx.KeyExpireAsync(key, ScratchLifetime);
        await tx.ExecuteAsync();
        return key;
    }

    public Task<Incident?> GetAsync(string number) =>
        Read(async () => await Db.StringGetAsync(_rm.Incident(number)) is { IsNull: false } json ? Parse(json) : null);

    public Task<IReadOnlyList<Incident>> GetManyAsync(IEnumerable<string> numbers) =>
        Read<IReadOnlyList<Incident>>(async () =>
        {
            var found = new List<Incident>();
            foreach (var chunk in numbers.Chunk(Chunk))
            {
                var values = await Db.StringGetAsync([.. chunk.Select(n => (RedisKey)_rm.Incident(n))]);
                found.AddRange(values.Where(v => !v.IsNull).Select(Parse));
            }
            return found;
        });

    /// <summary>The evaluation facts of every incident reported in [from, to).</summary>
    public Task<IReadOnlyList<IncidentFacts>> FactsReportedAsync(DateTimeOffset from, DateTimeOffset to) =>
        Read<IReadOnlyList<IncidentFacts>>(async () =>
        {
            var numbers = await Db.SortedSetRangeByScoreAsync(
                _rm.Index(Indexes.All),
                from.ToUnixTimeMilliseconds(),
                to.ToUnixTimeMilliseconds(),
                Exclude.Stop
            );
            var facts = new List<IncidentFacts>();
            foreach (var chunk in numbers.Chunk(Chunk * 2))
                facts.AddRange(
                    (await Db.HashGetAsync(_rm.Facts, chunk))
                        .Where(v => !v.IsNull)
                        .Select(v => JsonSerializer.Deserialize<IncidentFacts>((string)v!, DispatchSerialization.Json)!)
                );
            return facts;
        });

    /// <summary>The events of each kind projected on each of these days (district time), in one round trip.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, long>>> DailyAsync(IReadOnlyList<DateOnly> days)
    {
        var batch = Db.CreateBatch();
        var reads = days.Select(day => batch.HashGetAllAsync(_rm.Daily(day))).ToList();
        batch.Execute();
        return
        [
            .. (await Task.WhenAll(reads)).Select(e =>
                (IReadOnlyDictionary<string, long>)e.ToDictionary(x => (string)x.Name!, x => (long)x.Value)
            ),
        ];
    }

    /// <summary>The alerts behind an incident, in the order they were observed.</summary>
    public async Task<IReadOnlyList<RecordedAlert>> AlertsAsync(string number) =>
        [
            .. (await Db.SortedSetRangeByRankAsync(_rm.Alerts(number))).Select(member =>
                JsonSerializer.Deserialize<RecordedAlert>((string)member!, DispatchSerialization.Json)!
            ),
        ];

    private static Incident Parse(RedisValue json) =>
        JsonSerializer.Deserialize<Incident>((string)json!, DispatchSerialization.Json)!;
}
