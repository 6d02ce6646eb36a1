using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// The record of every alert taken in (attached, new or suppressed) with its answer: the evidence behind
/// incidents, the proof that nothing acknowledged was lost, and each device's memory of the answers it gave, so
/// that a retried alert id gets its first answer again after the device moved or its silo restarted. An alert is
/// recorded before its ack is sent.
/// </summary>
public interface IAlertLog
{
    /// <summary>How many of a device's most recent answers are kept for retried alert ids.</summary>
    const int KeptAcks = 1024;

    /// <summary>Records a device's alerts with their answers and returns once they are durable; the alerts of many devices share one write.</summary>
    Task AppendAsync(string deviceId, IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts);

    /// <summary>The first answers to the device's most recent alerts, oldest first (at most <paramref name="count"/>).</summary>
    Task<IReadOnlyList<AlertAck>> RecentAcksAsync(string deviceId, int count);

    /// <summary>How many alerts of the device were recorded in all.</summary>
    Task<long> CountAsync(string deviceId);
}
