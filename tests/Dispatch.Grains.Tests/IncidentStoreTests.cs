using System.Collections.Immutable;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>
/// The incident store on a real redis-server: one atomic commit per command, checked against its version.
/// </summary>
public abstract class IncidentStoreTests(TestStore redis)
{
    private readonly KeySpace _keys = new($"store-{Guid.NewGuid():N}");
    private static readonly Partitions Partitions = new(4);
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8));

    private RedisIncidentStore Store() => new(redis.Connection, _keys, Partitions, redis.Acknowledgement());

    private static IReadOnlyList<IncidentEvent> Events(long from, int count) =>
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                    (IncidentEvent)
                        new NoteAdded($"note {from + i}")
                        {
                            Seq = from + i,
                            At = At,
                            CommandId = "c",
                        }
                ),
        ];

    private static IncidentRecord Record(string number, long version) =>
        new()
        {
            Incident = new Incident
            {
                Number = number,
                Version = version,
                Scenario = "shop",
                Type = "SHOP_BIN_OVERFLOW",
                Street = "CSL",
                Description = "d",
            },
            Timeline = [.. Events(1, (int)version)],
            Results = ImmutableDictionary<string, CommandResult>.Empty.Add(
                $"c{version}",
                new CommandResult(number, $"c{version}", 1, version, IncidentState.Reported, null)
            ),
        };

    [Fact]
    public async Task A_command_is_one_commit_of_record_events_and_deadline()
    {
        var store = Store();
        var number = $"PT-20261201-{Random.Shared.Next(999_999):D6}";
        var due = At.AddMinutes(30);
        await store.CommitAsync(
            number,
            0,
            Record(number, 2),
            Events(1, 2),
            due,
            deadlineUnchanged: false,
            traceParent: "00-abc-def-01"
        );

        Assert.True(await store.ExistsAsync(number));
        var loaded = (await store.LoadAsync(number))!;
        Assert.Equal((2L, 2, "c2"), (loaded.Version, loaded.Timeline.Count, loaded.Results.Keys.Single()));
        var stream = new IncidentEventStream(_keys, Partitions);
        var entries = (await redis.Connection.GetDatabase().StreamRangeAsync(stream.Key(Partitions.Of(number))))
            .Select(stream.Read)
            .ToList();
        var entry = Assert.Single(entries);
        Assert.Equal((number, "00-abc-def-01"), (entry.Number, entry.TraceParent));
        Assert.Equal([1L, 2L], entry.Events.Select(e => e.Seq));
        Assert.Empty(await store.DueAsync(Partitions.Of(number), due.AddSeconds(-1), 10));
        Assert.Equal([number], await store.DueAsync(Partitions.Of(number), due, 10));
    }

    [Fact]
    public async Task A_commit_on_a_stale_version_is_refused_and_changes_nothing()
    {
        var store = Store();
        var number = $"PT-20261201-{Random.Shared.Next(999_999):D6}";
        await store.CommitAsync(number, 0, Record(number, 1), Events(1, 1), null, false, null);
        await store.CommitAsync(number, 1, Record(number, 2), Events(2, 1), null, false, null);

        var again = await Assert.ThrowsAsync<IncidentConflictException>(() =>
            store.CommitAsync(number, 0, Record(number, 1), Events(1, 1), null, false, null)
        );
        Assert.Equal(2, again.StoredVersion);
        var stale = await Assert.ThrowsAsync<IncidentConflictException>(() =>
            store.CommitAsync(number, 1, Record(number, 3), Events(2, 2), At, false, null)
        );
        Assert.Equal(2, stale.StoredVersion);

        Assert.Equal(2, (await store.LoadAsync(number))!.Version);
        var stream = new IncidentEventStream(_keys, Partitions);
        var entries = (await redis.Connection.GetDatabase().StreamRangeAsync(stream.Key(Partitions.Of(number))))
            .Select(stream.Read)
            .ToList();
        Assert.Equal([1L, 2L], entries.Where(e => e.Number == number).SelectMany(e => e.Events).Select(e => e.Seq));
        Assert.Empty(await store.DueAsync(Partitions.Of(number), At.AddYears(1), 10));
    }

    [Fact]
    public async Task The_deadline_entry_moves_stays_or_goes_as_the_commit_says()
    {
        var store = Store();
        var number = $"PT-20261201-{Random.Shared.Next(999_999):D6}";
        var partition = Partitions.Of(number);
        await store.CommitAsync(number, 0, Record(number, 1), Events(1, 1), At, false, null);
        await store.CommitAsync(
            number,
            1,
            Record(number, 2),
            Events(2, 1),
            null,
            deadlineUnchanged: true,
            traceParent: null
        );
        Assert.Equal([number], await store.DueAsync(partition, At, 10));

        await store.SetDeadlineAsync(number, At.AddHours(1));
        Assert.Empty(await store.DueAsync(partition, At, 10));
        await store.CommitAsync(number, 2, Record(number, 3), Events(3, 1), null, false, null);
        Assert.Empty(await store.DueAsync(partition, At.AddYears(1), 10));
        Assert.False(await store.ExistsAsync($"{number}-not"));
        Assert.Null(await store.LoadAsync($"{number}-not"));
    }
}

/// <summary>The incident store tests on one redis-server.</summary>
[Collection(RedisFixture.Collection)]
public sealed class IncidentStoreTestsOnRedisServer(RedisFixture redis) : IncidentStoreTests(redis);

/// <summary>The incident store tests on a Redis Cluster, acks waiting for a replica.</summary>
[Collection(RedisClusterFixture.Collection)]
public sealed class IncidentStoreTestsOnRedisCluster(RedisClusterFixture redis) : IncidentStoreTests(redis);
