using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Incidents in Redis, partitioned. An incident's record (<c>{svc:pN}:incident:&lt;number&gt;</c>), its partition's
/// event stream (<c>{svc:pN}:events</c>) and deadline index (<c>{svc:pN}:deadlines</c>, a sorted set of numbers
/// scored by their next threshold) share the partition's hash tag, so one Lua script stores a command: the record
/// with its version check, the command's events as one stream entry, and the deadline entry. The record is stored
/// as "&lt;version&gt;:&lt;json&gt;", so the check reads the version without parsing the record. Records and events
/// are written as UTF-8 straight from the serializer: no text of them is made on the way to Redis.
/// </summary>
public sealed class RedisIncidentStore(
    IConnectionMultiplexer redis,
    KeySpace keys,
    Partitions partitions,
    ReplicaAcknowledgement replicas
) : IIncidentStore
{
    /// <summary>
    /// KEYS: record, events, deadlines. ARGV: expected version, new version, the value to store (the new version, ':'
    /// and the record's JSON), number, first seq, events JSON (empty: none), traceparent, deadline (Unix ms; empty:
    /// none; "-": unchanged). Returns "OK", or the stored version when it is not the expected one. A new incident
    /// (expected 0) is written with SET NX.
    /// </summary>
    private static readonly LuaScript Commit = LuaScript.Prepare(
        """
        if @expected == '0' then
          if not redis.call('SET', @key, @value, 'NX') then
            local head = redis.call('GETRANGE', @key, 0, 24)
            return string.sub(head, 1, string.find(head, ':', 1, true) - 1)
          end
        else
          local head = redis.call('GETRANGE', @key, 0, 24)
          local colon = string.find(head, ':', 1, true)
          local stored = colon and string.sub(head, 1, colon - 1) or '0'
          if stored ~= @expected then return stored end
          redis.call('SET', @key, @value)
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
        """
    );

    /// <summary>
    /// Each thread's buffer and writer for records on their way to Redis (serialized in one go each).
    /// </summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public Partitions Partitions => partitions;

    private string Tag(string number) => $"p{partitions.Of(number)}";

    private RedisKey Record(string number) => keys.Tagged(Tag(number), $"incident:{number}");

    private static RedisKey Deadlines(KeySpace keys, int partition) => keys.Tagged($"p{partition}", "deadlines");

    /// <summary>
    /// A partition's event stream: one entry per stored command, fields incident, first, last, events, traceparent.
    /// </summary>
    public static string Events(KeySpace keys, int partition) => keys.Tagged($"p{partition}", "events");

    public async Task<IncidentRecord?> LoadAsync(string number)
    {
        var value = (byte[]?)await redis.GetDatabase().StringGetAsync(Record(number));
        if (value is null)
            return null;
        var json = value.AsSpan(value.AsSpan().IndexOf((byte)':') + 1);
        return JsonSerializer.Deserialize<IncidentRecord>(json, DispatchSerialization.Json);
    }

    public Task<bool> ExistsAsync(string number) => redis.GetDatabase().KeyExistsAsync(Record(number));

    public async Task CommitAsync(
        string number,
        long expectedVersion,
        IncidentRecord record,
        IReadOnlyList<IncidentEvent> events,
        DateTimeOffset? nextDeadline,
        bool deadlineUnchanged,
        string? traceParent
    )
    {
        var partition = partitions.Of(number);
        var db = redis.GetDatabase();
        var result = (string?)
            await db.ScriptEvaluateAsync(
                Commit,
                new
                {
                    key = Record(number),
                    stream = (RedisKey)Events(keys, partition),
                    deadlines = Deadlines(keys, partition),
                    expected = expectedVersion.ToString(CultureInfo.InvariantCulture),
                    version = record.Version.ToString(CultureInfo.InvariantCulture),
                    value = Stored(record),
                    number,
                    first = events.Count > 0 ? events[0].Seq : 0,
                    events = events.Count > 0 ? IncidentEventStream.Serialize(events) : [],
                    traceparent = traceParent ?? "",
                    deadline = deadlineUnchanged ? "-"
                    : nextDeadline is { } at ? at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
                    : "",
                }
            );
        if (result != "OK")
            throw new IncidentConflictException(
                number,
                expectedVersion,
                long.Parse(result ?? "0", CultureInfo.InvariantCulture)
            );
        await replicas.WaitAsync(Record(number));
    }

    /// <summary>The value a record is stored as: its version, ':' and its JSON, in UTF-8.</summary>
    private static byte[] Stored(IncidentRecord record)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        record.Version.TryFormat(buffer.GetSpan(24), out var digits, default, CultureInfo.InvariantCulture);
        buffer.Advance(digits);
        buffer.GetSpan(1)[0] = (byte)':';
        buffer.Advance(1);
        var writer = t_writer ??= new Utf8JsonWriter(
            buffer,
            new JsonWriterOptions { Encoder = DispatchSerialization.Json.Encoder }
        );
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, record, DispatchSerialization.Json);
        writer.Flush();
        var value = buffer.WrittenSpan.ToArray();
        // A record grown unusually large should not be held on to by this thread.
        if (buffer.Capacity > 1 << 20)
            t_buffer = null;
        return value;
    }

    public async Task SetDeadlineAsync(string number, DateTimeOffset? nextDeadline)
    {
        var index = Deadlines(keys, partitions.Of(number));
        var db = redis.GetDatabase();
        if (nextDeadline is { } at)
            await db.SortedSetAddAsync(index, number, at.ToUnixTimeMilliseconds());
        else
            await db.SortedSetRemoveAsync(index, number);
    }

    public async Task<IReadOnlyList<string>> DueAsync(int partition, DateTimeOffset now, int max)
    {
        var due = await redis
            .GetDatabase()
            .SortedSetRangeByScoreAsync(
                Deadlines(keys, partition),
                double.NegativeInfinity,
                now.ToUnixTimeMilliseconds(),
                take: max
            );
        return [.. due.Select(n => (string)n!)];
    }
}
