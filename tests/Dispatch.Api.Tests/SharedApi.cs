namespace Dispatch.Api.Tests;

/// <summary>One API service on the shared two-silo cluster, for the tests that neither restart nor break it.</summary>
public static class SharedApi
{
    public static async Task<ApiServer> StartAsync(RedisFixture redis)
    {
        var cluster = await redis.SharedCluster();
        return await redis.Shared("api", () => ApiServer.StartAsync(cluster, redis.ConnectionString));
    }
}
