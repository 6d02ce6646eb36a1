using Dispatch.Grains;
using Dispatch.ServiceDefaults;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Api.Open311;

/// <summary>
/// The <c>media_url</c> an Open311 request came with, kept as evidence of the request: one Redis hash, incident
/// number → URL, under the service id like the other keys of <see cref="RedisKeys"/>. The first URL stays (a
/// retried POST changes nothing). The server never fetches the URL; it only shows it back.
/// </summary>
public sealed class Open311Media(
    IConnectionMultiplexer redis, RedisKeys keys, ResiliencePipelineProvider<string> pipelines)
{
    /// <summary>Hash: incident number → the media_url of the Open311 request that reported it.</summary>
    public string Key => $"{{{keys.ServiceId}}}:open311:media";

    /// <summary>Keeps <paramref name="url"/> (already checked) unless the incident has one.</summary>
    public Task SaveAsync(string number, string url) =>
        redis.GetDatabase().HashSetAsync(Key, number, url, When.NotExists);

    /// <summary>The URLs of those incidents that have one, in one round trip.</summary>
    public Task<IReadOnlyDictionary<string, string>> FindAsync(IReadOnlyList<string> numbers) =>
        numbers.Count == 0
            ? Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>())
            : Read(async () =>
            {
                string[] distinct = [.. numbers.Distinct()];
                var values = await redis.GetDatabase().HashGetAsync(Key, [.. distinct.Select(n => (RedisValue)n)]);
                return (IReadOnlyDictionary<string, string>)distinct.Zip(values)
                    .Where(p => !p.Second.IsNull)
                    .ToDictionary(p => p.First, p => (string)p.Second!);
            });

    /// <summary>Reads are idempotent: timed out and retried like the read model's.</summary>
    private async Task<T> Read<T>(Func<Task<T>> read) =>
        await pipelines.GetPipeline(Resilience.Read)
            .ExecuteAsync(async timeout => await read().WaitAsync(timeout), CancellationToken.None);
}
