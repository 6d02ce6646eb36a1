using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// The record of every alert taken in (attached, new or suppressed) with its answer, and each device's journal of
/// the answers it gave. One entry per alert goes to both, atomically, before the alert is acknowledged: the alert
/// record (partitioned by device) is the evidence behind incidents and the proof that nothing acknowledged was lost;
/// a device's journal holds what its answers depend on (the dedup window an answer began or stretched, the count of
/// incidents it opened), so that after a restart the device answers a retried alert id as before and keeps its
/// windows. The alerts that devices hand in while a write is in flight share the next write (group commit).
/// </summary>
public interface IAlertJournal
{
    /// <summary>How many of a device's most recent entries its journal keeps (the answers a retry can get).</summary>
    const int Kept = 1024;

    /// <summary>
    /// Records one alert with its answer; returns once both the record and the device's journal hold it.
    /// </summary>
    Task AppendAsync(JournalEntry entry);

    /// <summary>The device's most recent journal entries, oldest first (at most <see cref="Kept"/>).</summary>
    Task<IReadOnlyList<JournalEntry>> RecentAsync(string deviceId);

    /// <summary>How many alerts of the device were ever recorded.</summary>
    Task<long> CountAsync(string deviceId);
}

/// <summary>
/// One alert as the journal keeps it: the alert (in the record only), its answer, and what the answer depends on —
/// the dedup window of the device's own key after it (null for a gateway-set key, whose window its key's grain keeps)
/// and the number of incidents the device had opened after it.
/// </summary>
public sealed record JournalEntry(Alert? Alert, string DeviceId, AlertAck Ack, DedupEntry? Window, long Opened);
