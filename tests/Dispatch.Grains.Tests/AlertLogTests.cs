using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

[Collection(RedisFixture.Collection)]
public class AlertLogTests(RedisFixture redis)
{
    public static TheoryData<string> Logs => ["redis", "memory"];

    private readonly KeySpace _keys = new($"alerts-{Guid.NewGuid():N}");

    private IAlertLog Log(string kind) => kind == "redis" ? new RedisAlertLog(redis.Connection, _keys) : new InMemoryAlertLog();

    private static (Alert, AlertAck) Taken(string device, string id, Disposition disposition = Disposition.Attached, double confidence = 0.9) =>
        (new Alert(id, device, "gw", "CREEK_LITTERING", DateTimeOffset.UnixEpoch, new GeoPoint(31.25, 121.41), 2,
            new Detection("m", "1", confidence, [])), new AlertAck(id, disposition, "PT-20261128-000001"));

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task A_device_gets_back_its_latest_answers_in_order_and_its_count(string kind)
    {
        var log = Log(kind);
        await log.AppendAsync("cam-1", [Taken("cam-1", "a1", Disposition.NewIncident), Taken("cam-1", "a2")]);
        await log.AppendAsync("cam-2", [Taken("cam-2", "b1", Disposition.Suppressed)]);
        await log.AppendAsync("cam-1", [Taken("cam-1", "a3")]);

        var recent = await log.RecentAcksAsync("cam-1", 2);
        Assert.Equal([("a2", Disposition.Attached, "PT-20261128-000001"), ("a3", Disposition.Attached, "PT-20261128-000001")],
            recent.Select(a => (a.AlertId, a.Disposition, a.IncidentNumber)));
        Assert.Equal([Disposition.NewIncident, Disposition.Attached, Disposition.Attached], (await log.RecentAcksAsync("cam-1", 10)).Select(a => a.Disposition));
        Assert.Equal((3L, 1L, 0L), (await log.CountAsync("cam-1"), await log.CountAsync("cam-2"), await log.CountAsync("cam-3")));
        Assert.Empty(await log.RecentAcksAsync("cam-3", 10));
    }

    [Fact]
    public async Task A_device_whose_alerts_cannot_be_written_fails_alone_and_the_others_in_its_batch_are_stored()
    {
        var log = Log("redis");
        // Handed in back to back, so that most share a batch with the one that cannot be written (NaN has no JSON).
        var writes = Enumerable.Range(0, 40).Select(i => log.AppendAsync($"cam-{i}", [Taken($"cam-{i}", $"a{i}", confidence: i == 20 ? double.NaN : 0.9)])).ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => writes[20]);
        await Task.WhenAll(writes.Where((_, i) => i != 20));
        var recorded = await redis.Connection.GetDatabase().StreamRangeAsync(RedisAlertLog.Record(_keys));
        Assert.Equal(Enumerable.Range(0, 40).Where(i => i != 20).Select(i => $"a{i}").Order(), recorded.Select(e => (string)e["alert_id"]!).Order());
        Assert.Equal(0, await log.CountAsync("cam-20"));
    }
}
