using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using StackExchange.Redis;
using Role = Dispatch.Domain.Role;

namespace Dispatch.Tests;

/// <summary>The people of the operations centre and the units, issuing commands to incident grains in tests.</summary>
public static class Ops
{
    public static readonly Actor Dispatcher = new("d.li", Role.Dispatcher, "OPS");
    public static readonly Actor Reviewer = new("r.wang", Role.Reviewer, "OPS");
    public static readonly Actor HotlineOperator = new("h.zhao", Role.Dispatcher, "OPS");

    public static Actor StaffOf(string unit) => new($"staff.{unit}", Role.UnitStaff, unit);

    public static string Id() => Guid.NewGuid().ToString("N");

    public static ReportIncident Report(
        string type,
        string street = "CSL",
        Channel channel = Channel.Hotline,
        double? confidence = null
    ) =>
        new(
            Id(),
            HotlineOperator,
            type,
            channel,
            street,
            $"{type} reported in {street}",
            new GeoPoint(31.24, 121.43),
            new Reporter("王五", "13900000000"),
            null,
            confidence
        );

    public static async Task<string> ReportAsync(this IGrainFactory grains, ReportIncident report)
    {
        var result = await grains.GetGrain<IIncidentIntakeGrain>(0).ReportAsync(report);
        Assert.True(result.IsAccepted, result.Refusal?.Message);
        return result.IncidentNumber;
    }

    public static IIncidentGrain Incident(this IGrainFactory grains, string number) =>
        grains.GetGrain<IIncidentGrain>(number);

    public static async Task<CommandResult> MustAsync(this IIncidentGrain incident, IncidentCommand command)
    {
        var result = await incident.ExecuteAsync(command);
        Assert.True(result.IsAccepted, $"{command.Name}: {result.Refusal?.Message}");
        return result;
    }

    /// <summary>Every event of one incident in its partition's event stream, as (seq, kind).</summary>
    public static async Task<List<(long Seq, string Kind)>> StreamedAsync(
        IConnectionMultiplexer redis,
        string serviceId,
        string number,
        int partitions = Partitions.Default
    )
    {
        var stream = new IncidentEventStream(new KeySpace(serviceId), new Partitions(partitions));
        var entries = await redis.GetDatabase().StreamRangeAsync(stream.Key(stream.Partitions.Of(number)));
        return
        [
            .. entries
                .Select(stream.Read)
                .Where(e => e.Number == number)
                .SelectMany(e => e.Events)
                .Select(e => (e.Seq, DispatchSerialization.KindOf(e))),
        ];
    }

    /// <summary>
    /// Every event in the event streams, all partitions, as (incident, event), each incident's in order.
    /// </summary>
    public static async Task<List<(string Incident, IncidentEvent Event)>> CommittedEventsAsync(
        IConnectionMultiplexer redis,
        string serviceId,
        int partitions = Partitions.Default
    )
    {
        var stream = new IncidentEventStream(new KeySpace(serviceId), new Partitions(partitions));
        var found = new List<(string, IncidentEvent)>();
        foreach (var partition in stream.Partitions.All)
            foreach (var entry in await redis.GetDatabase().StreamRangeAsync(stream.Key(partition)))
            {
                var read = stream.Read(entry);
                found.AddRange(read.Events.Select(e => (read.Number, e)));
            }
        return found;
    }

    /// <summary>Every alert in the alert record, all partitions.</summary>
    public static async Task<List<RecordedAlert>> RecordedAlertsAsync(
        IConnectionMultiplexer redis,
        string serviceId,
        int partitions = Partitions.Default
    )
    {
        var keys = new KeySpace(serviceId);
        var parts = new Partitions(partitions);
        var found = new List<RecordedAlert>();
        foreach (var partition in parts.All)
        {
            foreach (var entry in await redis.GetDatabase().StreamRangeAsync(RedisAlertJournal.Record(keys, partition)))
                found.Add(
                    new RecordedAlert(
                        JsonSerializer.Deserialize<Alert>((string)entry["alert"]!, DispatchSerialization.Json)!,
                        Enum.Parse<Disposition>(entry["disposition"]!),
                        entry["incident"] is { IsNullOrEmpty: false } incident ? (string?)incident : null
                    )
                );
        }
        return found;
    }

    public static string Json(object? value) => JsonSerializer.Serialize(value, DispatchSerialization.Json);

    /// <summary>
    /// Waits for a condition that another process or a reminder brings about, failing after the timeout.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> done,
        TimeSpan timeout,
        string what
    )
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > until)
                throw new Xunit.Sdk.XunitException(
                    $"timed out after {timeout} waiting for {what}; last: {Json(value)}"
                );
            await Task.Delay(100);
        }
    }
}
