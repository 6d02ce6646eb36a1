using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// The event stream in a Redis Stream. One Lua script appends only the events after the incident's last
/// appended sequence number and moves that number, atomically: appending twice never doubles an event, and a
/// gap (an event missing before the ones offered) is refused rather than written. Each entry carries the W3C
/// trace context of the call that caused it (<c>traceparent</c>), so that projections and live updates join
/// that trace.
/// </summary>
public sealed class RedisIncidentEventLog(IConnectionMultiplexer redis, KeySpace keys) : IIncidentEventLog
{
    /// <summary>The event stream (XADD entries with fields incident, seq, kind, event, traceparent).</summary>
    public static string Stream(KeySpace keys) => keys.Shared("events");

    /// <summary>Hash: incident number → last sequence number appended to the stream.</summary>
    private static string Published(KeySpace keys) => keys.Shared("events:published");

    private static readonly LuaScript Append = LuaScript.Prepare(
        """
        local last = tonumber(redis.call('HGET', @published, @incident) or '0')
        local first = tonumber(@first)
        if first > last + 1 then
          return redis.error_reply('GAP incident ' .. @incident .. ' has ' .. last .. ' events in the stream, offered from ' .. first)
        end
        local events = cjson.decode(@events)
        for i, e in ipairs(events) do
          local seq = first + i - 1
          if seq > last then
            redis.call('XADD', @stream, '*', 'incident', @incident, 'seq', seq, 'kind', e[1], 'event', e[2], 'traceparent', @traceparent)
            last = seq
          end
        end
        redis.call('HSET', @published, @incident, last)
        return last
        """);

    public async Task<long> PublishedUpToAsync(string incident) =>
        (long?)await redis.GetDatabase().HashGetAsync(Published(keys), incident) ?? 0;

    public async Task<long> AppendAsync(string incident, IReadOnlyList<IncidentEvent> events)
    {
        if (events.Count == 0) return await PublishedUpToAsync(incident);
        var payload = JsonSerializer.Serialize(events.Select(e =>
            new[] { DispatchSerialization.KindOf(e), JsonSerializer.Serialize(e, DispatchSerialization.Json) }));
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Append, new
        {
            published = (RedisKey)Published(keys),
            stream = (RedisKey)Stream(keys),
            incident,
            first = events[0].Seq,
            events = payload,
            // The trace of the call that caused the events, so that the read side's work joins it.
            traceparent = System.Diagnostics.Activity.Current?.Id ?? "",
        });
        return (long)result;
    }
}
