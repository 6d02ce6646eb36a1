using System.Text.Json;
using Dispatch.Contracts;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Grains;

/// <summary>
/// The event stream in a Redis Stream. One Lua script appends only the events after the incident's last
/// appended sequence number and moves that number, atomically: appending twice never doubles an event, and a
/// gap (an event missing before the ones offered) is refused rather than written. Each entry carries the W3C
/// trace context of the call that caused it (<c>traceparent</c>), so that projections and live updates join
/// that trace.
/// </summary>
public sealed class RedisIncidentEventLog(IConnectionMultiplexer redis, RedisKeys keys) : IIncidentEventLog
{
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
        (long?)await redis.GetDatabase().HashGetAsync(keys.EventsPublished, incident) ?? 0;

    public async Task<long> AppendAsync(string incident, IReadOnlyList<IncidentEvent> events)
    {
        if (events.Count == 0) return await PublishedUpToAsync(incident);
        var payload = JsonSerializer.Serialize(events.Select(e =>
            new[] { DispatchSerialization.KindOf(e), JsonSerializer.Serialize(e, DispatchSerialization.Json) }));
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Append, new
        {
            published = (RedisKey)keys.EventsPublished,
            stream = (RedisKey)keys.Events,
            incident,
            first = events[0].Seq,
            events = payload,
            // The trace of the call that caused the events, so that the read side's work joins it.
            traceparent = System.Diagnostics.Activity.Current?.Id ?? "",
        });
        return (long)result;
    }
}
