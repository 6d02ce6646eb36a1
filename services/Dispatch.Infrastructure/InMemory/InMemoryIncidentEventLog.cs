using System.Collections.Concurrent;
using Dispatch.Domain;

namespace Dispatch.Infrastructure;

/// <summary>The event stream kept in this process, for the in-memory mode (one silo, nothing survives a restart).</summary>
public sealed class InMemoryIncidentEventLog : IIncidentEventLog
{
    private readonly ConcurrentQueue<IncidentEvent> _stream = new();
    private readonly ConcurrentDictionary<string, long> _published = new();
    private readonly Lock _gate = new();

    /// <summary>Every event appended, in the order appended.</summary>
    public IReadOnlyList<IncidentEvent> Stream => [.. _stream];

    public Task<long> PublishedUpToAsync(string incident) => Task.FromResult(_published.GetValueOrDefault(incident));

    public Task<long> AppendAsync(string incident, IReadOnlyList<IncidentEvent> events)
    {
        lock (_gate)
        {
            var last = _published.GetValueOrDefault(incident);
            if (events.Count > 0 && events[0].Seq > last + 1)
                throw new InvalidOperationException($"incident {incident} has {last} events in the stream, offered from {events[0].Seq}");
            foreach (var e in events.Where(e => e.Seq > last))
            {
                _stream.Enqueue(e);
                last = e.Seq;
            }
            _published[incident] = last;
            return Task.FromResult(last);
        }
    }
}
