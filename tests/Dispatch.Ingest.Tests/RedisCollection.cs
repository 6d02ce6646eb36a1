namespace Dispatch.Ingest.Tests;

/// <summary>The tests of this assembly that share the run's redis-server (see <see cref="RedisFixture"/>).</summary>
[CollectionDefinition(RedisFixture.Collection)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;
