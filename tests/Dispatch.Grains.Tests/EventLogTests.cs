using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Dispatch.Domain;

namespace Dispatch.Grains.Tests;

[Collection(RedisFixture.Collection)]
public class EventLogTests(RedisFixture redis)
{
    public static TheoryData<string> Logs => ["redis", "memory"];

    private readonly KeySpace _keys = new($"log-{Guid.NewGuid():N}");

    private IIncidentEventLog Log(string kind) =>
        kind == "redis" ? new RedisIncidentEventLog(redis.Connection, _keys) : new InMemoryIncidentEventLog();

    private static IncidentEvent Note(long seq) => new NoteAdded($"note {seq}") { Seq = seq, CommandId = $"c{seq}", At = DateTimeOffset.UnixEpoch };

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task Appending_again_adds_only_what_is_new_and_a_gap_is_refused(string kind)
    {
        var log = Log(kind);
        Assert.Equal(0, await log.PublishedUpToAsync("PT-1"));
        Assert.Equal(2, await log.AppendAsync("PT-1", [Note(1), Note(2)]));
        Assert.Equal(3, await log.AppendAsync("PT-1", [Note(1), Note(2), Note(3)]));
        Assert.Equal(3, await log.AppendAsync("PT-1", [Note(2)]));
        Assert.Equal(1, await log.AppendAsync("PT-2", [Note(1)]));
        await Assert.ThrowsAnyAsync<Exception>(() => log.AppendAsync("PT-1", [Note(5)]));
        Assert.Equal(3, await log.PublishedUpToAsync("PT-1"));
        if (log is InMemoryIncidentEventLog memory)
            Assert.Equal([1L, 2L, 3L, 1L], memory.Stream.Select(e => e.Seq)); // PT-1's three, then PT-2's one
        else
            Assert.Equal([1L, 2L, 3L], (await Ops.StreamedAsync(redis.Connection, _keys.ServiceId, "PT-1")).Select(e => e.Seq));
    }
}
