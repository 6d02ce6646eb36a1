using Dispatch.Domain;
using Orleans.Concurrency;

namespace Dispatch.Abstractions;

/// <summary>
/// One incident (案件), keyed by its number (e.g. <c>PT-20261128-000123</c>). It alone changes the incident:
/// every command goes through <see cref="ExecuteAsync"/>, is decided by the domain's lifecycle, persisted,
/// and its events are published to the event stream in order.
/// </summary>
[Alias("Dispatch.IIncidentGrain")]
public interface IIncidentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies a command. A command id seen before returns the first result and changes nothing.
    /// A refused command returns the refusal and changes nothing. Returns only once the effect is durable.
    /// </summary>
    [Alias("Execute")]
    Task<CommandResult> ExecuteAsync(IncidentCommand command);

    /// <summary>
    /// The incident now, or null when it has not been reported. Interleaves: a read never waits behind a command.
    /// </summary>
    [Alias("Get"), AlwaysInterleave]
    Task<Incident?> GetAsync();

    /// <summary>
    /// Whether the incident exists and is open (not closed, dismissed or merged): a cheap check for correlation.
    /// </summary>
    [Alias("IsOpen"), AlwaysInterleave]
    Task<bool> IsOpenAsync();

    /// <summary>
    /// The first result of the command with this id, or null when none was accepted: lets a client that retries
    /// get its answer even when the command took the incident out of the client's sight (a worker returning a task).
    /// </summary>
    [Alias("GetResult"), AlwaysInterleave]
    Task<CommandResult?> GetResultAsync(string commandId);

    /// <summary>
    /// Escalates every running deadline that has passed a threshold (督办), each threshold once; called by the
    /// partition's <see cref="IDeadlineSweeperGrain"/> when the incident's next threshold is due.
    /// </summary>
    [Alias("CheckDeadlines")]
    Task CheckDeadlinesAsync();

    /// <summary>The timeline: every event from <paramref name="afterSeq"/> + 1 on, in order.</summary>
    [Alias("GetTimeline"), AlwaysInterleave]
    Task<IReadOnlyList<IncidentEvent>> GetTimelineAsync(long afterSeq = 0);
}
