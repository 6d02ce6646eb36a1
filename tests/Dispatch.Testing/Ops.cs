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

    public static ReportIncident Report(string type, string street = "CSL", Channel channel = Channel.Hotline, double? confidence = null) =>
        new(Id(), HotlineOperator, type, channel, street, $"{type} reported in {street}", new GeoPoint(31.24, 121.43),
            new Reporter("王五", "13900000000"), null, confidence);

    public static async Task<string> ReportAsync(this IGrainFactory grains, ReportIncident report)
    {
        var result = await grains.GetGrain<IIncidentIntakeGrain>(0).ReportAsync(report);
        Assert.True(result.IsAccepted, result.Refusal?.Message);
        return result.IncidentNumber;
    }

    public static IIncidentGrain Incident(this IGrainFactory grains, string number) => grains.GetGrain<IIncidentGrain>(number);

    public static async Task<CommandResult> MustAsync(this IIncidentGrain incident, IncidentCommand command)
    {
        var result = await incident.ExecuteAsync(command);
        Assert.True(result.IsAccepted, $"{command.Name}: {result.Refusal?.Message}");
        return result;
    }

    /// <summary>Every event of one incident in the Redis event stream, as (seq, kind).</summary>
    public static async Task<List<(long Seq, string Kind)>> StreamedAsync(IConnectionMultiplexer redis, string serviceId, string number)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisIncidentEventLog.Stream(new KeySpace(serviceId)));
        return [.. entries
            .Where(e => e["incident"] == number)
            .Select(e => ((long)e["seq"], (string)e["kind"]!))];
    }

    public static string Json(object? value) => JsonSerializer.Serialize(value, DispatchSerialization.Json);

    /// <summary>Waits for a condition that another process or a reminder brings about, failing after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"timed out after {timeout} waiting for {what}; last: {Json(value)}");
            await Task.Delay(100);
        }
    }
}
