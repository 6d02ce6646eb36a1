using Dispatch.Domain;
using Dispatch.Ingest.Services;

namespace Dispatch.Ingest.Tests;

public class DeviceBatchesTests
{
    private static Alert Alert(string id, string device) =>
        new(id, device, "gw", "CREEK_LITTERING", DateTimeOffset.UtcNow, new GeoPoint(31.25, 121.41), 2);

    [Fact]
    public async Task Alerts_are_gathered_per_device_sent_once_per_device_and_answered_each_in_order()
    {
        var sent = new List<(string Device, string[] Alerts)>();
        var batches = new DeviceBatches(
            (device, alerts) =>
            {
                sent.Add((device, [.. alerts.Select(a => a.AlertId)]));
                return Task.FromResult<IReadOnlyList<AlertAck>>([
                    .. alerts.Select(a => new AlertAck(a.AlertId, Disposition.Attached, $"PT-{device}")),
                ]);
            }
        );

        var answers = new[]
        {
            batches.Add(Alert("a1", "cam-a")),
            batches.Add(Alert("b1", "cam-b")),
            batches.Add(Alert("a2", "cam-a")),
        };
        Assert.Empty(sent);
        Assert.All(answers, a => Assert.False(a.IsCompleted));

        batches.Send();
        var acks = await Task.WhenAll(answers);

        Assert.Equal(
            [("cam-a", "a1,a2"), ("cam-b", "b1")],
            sent.Select(s => (s.Device, string.Join(',', s.Alerts))).Order()
        );
        Assert.Equal(
            [("a1", "PT-cam-a"), ("b1", "PT-cam-b"), ("a2", "PT-cam-a")],
            acks.Select(a => (a.AlertId, a.IncidentNumber))
        );
        batches.Send(); // nothing gathered since: nothing sent again
        Assert.Equal(2, sent.Count);
    }

    [Fact]
    public async Task A_device_that_fails_fails_its_own_alerts_only()
    {
        var batches = new DeviceBatches(
            (device, alerts) =>
                device == "cam-a"
                    ? Task.FromException<IReadOnlyList<AlertAck>>(new TimeoutException("silo gone"))
                    : Task.FromResult<IReadOnlyList<AlertAck>>([
                        .. alerts.Select(a => new AlertAck(a.AlertId, Disposition.Suppressed)),
                    ])
        );

        var failing = batches.Add(Alert("a1", "cam-a"));
        var fine = batches.Add(Alert("b1", "cam-b"));
        batches.Send();

        await Assert.ThrowsAsync<TimeoutException>(() => failing);
        Assert.Equal(Disposition.Suppressed, (await fine).Disposition);
    }
}
