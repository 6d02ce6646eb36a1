using System.Text.Json;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Incidents in Redis, partitioned. An incident's record (<c>{svc:pN}:incident:&lt;number&gt;</c>), its partition's
/// event stream (<c>{svc:pN}:events</c>) and deadline index (<c>{svc:pN}:deadlines</c>, a sorted set of numbers
/// scored by their next threshold) share the partition's hash tag, so one Lua script stores a command: the record
/// with its version check, the command's events as one stream entry, and the deadline entry. The record is stored
/// as "&lt;version&gt;:&lt;json&gt;", so the check reads the version without parsing the record.
/// </summary>
public sealed class RedisIncidentStore(IConnectionMultiplexer redis, KeySpace keys, Partitions partitions, ReplicaAcknowledgement replicas)
    : IIncidentStore
{
    /// <summary>
    /// KEYS: record, events, deadlines. ARGV: expected version, new version, record JSON, number, first seq, events
    /// JSON (empty: none), traceparent, deadline (Unix ms; empty: none; "-": unchanged). Returns "OK", or the stored
    /// version when it is not the expected one. A new incident (expected 0) is written with SET NX.
    /// </summary>
    private static readonly LuaScript Commit = LuaScript.Prepare(
        """
        local value = @version .. ':' .. @record
        if @expected == '0' then
          if not redis.call('SET', @key, value, 'NX') then
            local head = redis.call('GETRANGE', @key, 0, 24)
            return string.sub(head, 1, string.find(head, ':', 1, true) - 1)
          end
        else
          local head = redis.call('GETRANGE', @key, 0, 24)
          local colon = string.find(head, ':', 1, true)
          local stored = colon and string.sub(head, 1, colon - 1) or '0'
          if stored ~= @expected then return stored end
          redis.call('SET', @key, value)
        end
        if @events ~= '' then
          redis.call('XADD', @stream, '*', 'incident', @number, 'first', @first, 'last', @version, 'events', @events,
            'traceparent', @traceparent)
        end
        if @deadline == '' then
          redis.call('ZREM', @deadlines, @number)
        elseif @deadline ~= '-' then
          redis.call('ZADD', @deadlines, @deadline, @number)
        end
        return 'OK'
        """);

    public Partitions Partitions => partitions;

    private string Tag(string number) => $"p{partitions.Of(number)}";

    private RedisKey Record(string number) => keys.Tagged(Tag(number), $"incident:{number}");

    private static RedisKey Deadlines(KeySpace keys, int partition) => keys.Tagged($"p{partition}", "deadlines");

    /// <summary>A partition's event stream: one entry per stored command, fields incident, first, last, events, traceparent.</summary>
    public static string Events(KeySpace keys, int partition) => keys.Tagged($"p{partition}", "events");

    public async Task<IncidentRecord?> LoadAsync(string number)
    {
        var value = await redis.GetDatabase().StringGetAsync(Record(number));
        if (value.IsNull) return null;
        var text = (string)value!;
        return JsonSerializer.Deserialize<IncidentRecord>(text.AsSpan(text.IndexOf(':') + 1), DispatchSerialization.Json);
    }

    public Task<bool> ExistsAsync(string number) => redis.GetDatabase().KeyExistsAsync(Record(number));

    public async Task CommitAsync(
        string number, long expectedVersion, IncidentRecord record, IReadOnlyList<IncidentEvent> events,
        DateTimeOffset? nextDeadline, bool deadlineUnchanged, string? traceParent)
    {
        var partition = partitions.Of(number);
        var db = redis.GetDatabase();
        var result = (string?)await db.ScriptEvaluateAsync(Commit, new
        {
            key = Record(number),
            stream = (RedisKey)Events(keys, partition),
            deadlines = Deadlines(keys, partition),
            expected = expectedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            version = record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            record = JsonSerializer.Serialize(record, DispatchSerialization.Json),
            number,
            first = events.Count > 0 ? events[0].Seq : 0,
            events = events.Count > 0 ? IncidentEventStream.Serialize(events) : "",
            traceparent = traceParent ?? "",
            deadline = deadlineUnchanged ? "-" : nextDeadline is { } at ? at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        });
        if (result != "OK")
            throw new IncidentConflictException(number, expectedVersion, long.Parse(result ?? "0", System.Globalization.CultureInfo.InvariantCulture));
        await replicas.WaitAsync(Record(number));
    }

    public async Task SetDeadlineAsync(string number, DateTimeOffset? nextDeadline)
    {
        var index = Deadlines(keys, partitions.Of(number));
        var db = redis.GetDatabase();
        if (nextDeadline is { } at) await db.SortedSetAddAsync(index, number, at.ToUnixTimeMilliseconds());
        else await db.SortedSetRemoveAsync(index, number);
    }

    public async Task<IReadOnlyList<string>> DueAsync(int partition, DateTimeOffset now, int max)
    {
        var due = await redis.GetDatabase().SortedSetRangeByScoreAsync(
            Deadlines(keys, partition), double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: max);
        return [.. due.Select(n => (string)n!)];
    }
}
