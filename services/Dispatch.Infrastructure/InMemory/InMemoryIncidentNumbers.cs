using System.Collections.Concurrent;

namespace Dispatch.Infrastructure;

/// <summary>Incident numbers counted in this process, for the in-memory mode (one silo only).</summary>
public sealed class InMemoryIncidentNumbers : IIncidentNumbers
{
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private readonly ConcurrentDictionary<(string, string), string> _claims = new();

    public Task<string> AssignAsync(string reporter, string commandId, string prefix) =>
        Task.FromResult(_claims.GetOrAdd((reporter, commandId), _ => $"{prefix}{_counters.AddOrUpdate(prefix, 1, (_, n) => n + 1):D6}"));
}
