using Dispatch.ServiceDefaults;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// The <c>media_url</c> an Open311 request came with, kept as evidence of the request: one key per incident, in its
/// partition's slot (<c>{svc:pN}:open311-media:&lt;number&gt;</c>). The first URL stays (a retried POST changes
/// nothing). The server never fetches the URL; it only shows it back.
/// </summary>
public sealed class Open311Media(
    IConnectionMultiplexer redis,
    KeySpace keys,
    Partitions partitions,
    ResiliencePipelineProvider<string> pipelines
)
{
    private RedisKey Key(string number) => keys.Tagged($"p{partitions.Of(number)}", $"open311-media:{number}");

    /// <summary>Keeps <paramref name="url"/> (already checked) unless the incident has one.</summary>
    public Task SaveAsync(string number, string url) =>
        redis.GetDatabase().StringSetAsync(Key(number), url, when: When.NotExists);

    /// <summary>The URLs of those incidents that have one, in one round trip.</summary>
    public Task<IReadOnlyDictionary<string, string>> FindAsync(IReadOnlyList<string> numbers) =>
        numbers.Count == 0
            ? Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>())
            : Read(async () =>
            {
                string[] distinct = [.. numbers.Distinct()];
                var batch = redis.GetDatabase().CreateBatch();
                var reads = distinct.Select(n => batch.StringGetAsync(Key(n))).ToList();
                batch.Execute();
                var values = await Task.WhenAll(reads);
                return (IReadOnlyDictionary<string, string>)
                    distinct
                        .Zip(values)
                        .Where(p => !p.Second.IsNull)
                        .ToDictionary(p => p.First, p => (string)p.Second!);
            });

    /// <summary>Reads are idempotent: timed out and retried like the read model's.</summary>
    private async Task<T> Read<T>(Func<Task<T>> read) =>
        await pipelines
            .GetPipeline(Resilience.Read)
            .ExecuteAsync(async timeout => await read().WaitAsync(timeout), CancellationToken.None);
}
