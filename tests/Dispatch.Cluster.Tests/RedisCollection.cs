namespace Dispatch.Cluster.Tests;

/// <summary>The tests of this assembly that share the run's redis-server (see <see cref="RedisFixture"/>).</summary>
[CollectionDefinition(RedisFixture.Collection)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;

/// <summary>The tests of this assembly that share the run's Redis Cluster, <see cref="RedisClusterFixture"/>.</summary>
[CollectionDefinition(RedisClusterFixture.Collection)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>;
