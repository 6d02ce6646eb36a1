using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Orleans.Serialization;

namespace Dispatch.Benchmarks;

/// <summary>
/// Serialization before and after, in one run: the domain types of the alert path as reflection-based JSON (what the
/// domain's JSON codec did with them when they crossed a grain boundary) against Orleans' codecs with surrogates;
/// the incident record as storage writes it, reflection-based JSON against the compile-time contracts. Each figure
/// is a round trip (serialize and read back) per object, with the bytes it allocated and the payload's size.
/// </summary>
internal static class SerializationBench
{
    public sealed record Figure(
        string Type,
        string Way,
        double NanosecondsPerRoundTrip,
        double BytesAllocated,
        int PayloadBytes
    );

    public static IReadOnlyList<Figure> Run(IServiceProvider services)
    {
        var orleans = services.GetRequiredService<Serializer>();
        var lifecycle = services.GetRequiredService<Lifecycle>();
        var reflection = new JsonSerializerOptions(DispatchSerialization.Json)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        var generated = DispatchSerialization.Json;

        var now = DateTimeOffset.UtcNow;
        var at = new GeoPoint(31.2452, 121.4105);
        var alert = new Alert(
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "cam-creek-0042",
            "gw-creek",
            "CREEK_GATHERING",
            now,
            at,
            3,
            new Detection("bank-watch", "3.2", 0.93, [new Box(0.4, 0.5, 0.1, 0.2, "person")], "frames/0042.jpg")
        );
        var ack = new AlertAck(alert.AlertId, Disposition.NewIncident, "PT-20261201-000123", null);
        var device = new Device("cam-creek-0042", "gw-creek", "creek", "camera", at, "CYXC", "OPS", "34991:28101");
        var record = Record(lifecycle, now, at);

        return
        [
            Measure(
                "Alert",
                "reflection JSON (before)",
                alert,
                a => JsonSerializer.SerializeToUtf8Bytes(a, reflection),
                b => JsonSerializer.Deserialize<Alert>(b, reflection)
            ),
            Measure("Alert", "Orleans surrogate (after)", alert, orleans.SerializeToArray, orleans.Deserialize<Alert>),
            Measure(
                "AlertAck",
                "reflection JSON (before)",
                ack,
                a => JsonSerializer.SerializeToUtf8Bytes(a, reflection),
                b => JsonSerializer.Deserialize<AlertAck>(b, reflection)
            ),
            Measure(
                "AlertAck",
                "Orleans surrogate (after)",
                ack,
                orleans.SerializeToArray,
                orleans.Deserialize<AlertAck>
            ),
            Measure(
                "Device",
                "reflection JSON (before)",
                device,
                d => JsonSerializer.SerializeToUtf8Bytes(d, reflection),
                b => JsonSerializer.Deserialize<Device>(b, reflection)
            ),
            Measure(
                "Device",
                "Orleans surrogate (after)",
                device,
                orleans.SerializeToArray,
                orleans.Deserialize<Device>
            ),
            Measure(
                "IncidentRecord",
                "reflection JSON (before)",
                record,
                r => JsonSerializer.SerializeToUtf8Bytes(r, reflection),
                b => JsonSerializer.Deserialize<IncidentRecord>(b, reflection)
            ),
            Measure(
                "IncidentRecord",
                "source-generated JSON (after)",
                record,
                r => JsonSerializer.SerializeToUtf8Bytes(r, generated),
                b => JsonSerializer.Deserialize<IncidentRecord>(b, generated)
            ),
        ];
    }

    /// <summary>
    /// A filed incident's record: reported by a camera not sure enough to file it, filed by a dispatcher.
    /// </summary>
    private static IncidentRecord Record(Lifecycle lifecycle, DateTimeOffset now, GeoPoint at)
    {
        var record = new IncidentRecord();
        IncidentCommand[] commands =
        [
            new ReportIncident(
                "report-1",
                Actor.System,
                "CREEK_GATHERING",
                Channel.AiCamera,
                "CYXC",
                "people gathering on the bank",
                at,
                null,
                now,
                0.62,
                "device/cam-creek-0042"
            ),
            new FileIncident("file-1", new Actor("d.li", Role.Dispatcher, "OPS")),
        ];
        foreach (var command in commands)
        {
            var outcome = lifecycle.Execute("PT-20261201-000123", record.Incident, command, now);
            if (outcome.Incident is null)
                throw new InvalidOperationException(
                    $"the sample incident refused {command.GetType().Name}: {outcome.Refusal?.Message}"
                );
            record = record with
            {
                Incident = outcome.Incident,
                Timeline = record.Timeline.AddRange(outcome.Events),
                Results = record.Results.SetItem(
                    command.CommandId!,
                    new CommandResult(
                        "PT-20261201-000123",
                        command.CommandId,
                        outcome.Events[0].Seq,
                        outcome.Events[^1].Seq,
                        outcome.Incident.State,
                        null
                    )
                ),
            };
        }
        return record;
    }

    private static Figure Measure<T>(
        string type,
        string way,
        T value,
        Func<T, byte[]> serialize,
        Func<byte[], T?> deserialize
    )
    {
        var payload = serialize(value);
        if (deserialize(payload) is null)
            throw new InvalidOperationException($"{type} did not read back by {way}");
        for (var i = 0; i < 2_000; i++)
            deserialize(serialize(value)); // warm
        var iterations = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 400)
        {
            for (var i = 0; i < 200; i++)
                deserialize(serialize(value));
            iterations += 200;
        }
        watch.Stop();
        return new Figure(
            type,
            way,
            watch.Elapsed.TotalNanoseconds / iterations,
            (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations,
            payload.Length
        );
    }
}
