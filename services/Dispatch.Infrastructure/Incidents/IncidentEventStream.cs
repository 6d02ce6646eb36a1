using System.Text.Json;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>One stored command's events, as a reader of a partition's event stream gets them.</summary>
public sealed record CommittedEvents(string Number, IReadOnlyList<IncidentEvent> Events, string? TraceParent);

/// <summary>
/// The event streams of the partitions, as the read side consumes them: every incident's events in order and without
/// gaps, one stream entry per stored command (<see cref="RedisIncidentStore"/> writes them).
/// </summary>
public sealed class IncidentEventStream(KeySpace keys, Partitions partitions) : IPartitionedStream<CommittedEvents>
{
    public Partitions Partitions => partitions;

    public string Key(int partition) => RedisIncidentStore.Events(keys, partition);

    public CommittedEvents Read(StreamEntry entry) =>
        new(
            (string)entry["incident"]!,
            JsonSerializer.Deserialize<IncidentEvent[]>((string)entry["events"]!, DispatchSerialization.Json)!,
            entry["traceparent"] is { IsNullOrEmpty: false } trace ? (string?)trace : null
        );

    /// <summary>The events of one command as the stream entry holds them: a UTF-8 JSON array, kinds included.</summary>
    public static byte[] Serialize(IReadOnlyList<IncidentEvent> events) =>
        JsonSerializer.SerializeToUtf8Bytes(events, DispatchSerialization.Json);
}
