using System.Diagnostics;
using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;
using Dispatch.Tests;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Benchmarks;

/// <summary>
/// People told under a storm: the whole system as the embedded host runs it (silo, ingest, and the API with its
/// projection and notifier, one JSON webhook to a receiver on loopback) takes a paced mix of alerts in which one in
/// five opens a P1 incident that machine dispatch sends to its units at once, and the rest join open incidents or
/// replay. Then the time from each dispatch event to its notices' arrival (stored in the inbox; answered 2xx by the
/// webhook), read from the delivery records, next to the alerts' own ack latency.
/// </summary>
internal static class NotificationStorm
{
    public sealed record Figures(
        Result Alerts,
        IReadOnlyList<ChannelLatency> Channels,
        int WebhookRequests,
        TimeSpan Drained
    );

    public static async Task<Figures> RunAsync(IConfiguration settings, BenchCity city, double rate, TimeSpan length)
    {
        await using var store = await BenchStore.StartAsync("single");
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var system = await BenchSystem.StartAsync(
            store,
            settings,
            withApi: true,
            new Dictionary<string, string?>
            {
                ["Notifications:Webhooks:0:Name"] = "bench",
                ["Notifications:Webhooks:0:Kind"] = "Json",
                ["Notifications:Webhooks:0:Url"] = receiver.Url("/hook"),
                ["Notifications:Webhooks:0:Secret"] = "the bench's webhook secret",
            }
        );
        city.Reset();
        await city.RegisterGatewaysAsync(system.Ingest);
        var load = new Load(city.Gateways, city.GatewayOfDevice);
        var count = (int)(rate * length.TotalSeconds);
        var urgent = await city.RegisterAsync(
            system.Ingest,
            count / 5 + 1,
            s => s.Types.FirstOrDefault(t => t.Priority == Priority.P1 && t.Filing.AutoDispatch)
        );
        // Warm the path (and the notifier) up with a few incidents of their own.
        await load.ClosedAsync(
            "warm-up",
            system.Ingest,
            BenchCity.Firsts(
                await city.RegisterAsync(
                    system.Ingest,
                    50,
                    s => s.Types.FirstOrDefault(t => t.Priority == Priority.P1 && t.Filing.AutoDispatch)
                )
            ),
            null
        );

        var random = new Random(7);
        var alerts = new List<V1.Alert>(count);
        var firsts = new List<V1.Alert>();
        for (var k = 0; k < count; k++)
        {
            if (k % 5 == 0 || firsts.Count == 0)
            {
                firsts.Add(BenchCity.Alert(urgent[firsts.Count]));
                alerts.Add(firsts[^1]);
                continue;
            }
            var i = random.Next(firsts.Count);
            alerts.Add(k % 3 == 0 ? firsts[i].Clone() : BenchCity.Alert(urgent[i]));
        }
        var result = await load.PacedAsync("storm", system.Ingest, alerts, rate, null);

        var notices = system.Services.GetRequiredService<NotificationStore>();
        var watch = Stopwatch.StartNew();
        IReadOnlyList<ChannelLatency> channels;
        do
        {
            await Task.Delay(500);
            channels = await NotificationLatency.MeasureAsync(notices, result.Opened);
        } while (
            (channels.Count < 2 || channels.Any(c => c.Undelivered > 0)) && watch.Elapsed < TimeSpan.FromSeconds(120)
        );
        return new Figures(result, channels, receiver.Requests.Count, watch.Elapsed);
    }
}
