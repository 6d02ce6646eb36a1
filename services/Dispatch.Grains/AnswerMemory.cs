using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// A device's memory of what it answered and what its answers depend on. The first answer to an alert id is given
/// again, as a replay, to every retry of that id; an answer is never given before the journal entry that records it
/// is stored. The tiers of answering a retried alert id, fastest first:
/// <list type="number">
/// <item>the ingest process that gave the first answer remembers it (<c>RecentAnswers</c>, two generations of
/// <c>Ingest:RememberedAnswers</c>) and answers without a call into the cluster;</item>
/// <item>the device's activation remembers its last <see cref="IAlertJournal.Kept"/> answers (this class);</item>
/// <item>a new activation reads them back from the device's journal in the store, together with the dedup windows
/// and the count of incidents opened, so a silo's death changes no answer and no window.</item>
/// </list>
/// An alert id older than that is judged afresh (and one observed too long ago is rejected as too old).
/// </summary>
public sealed class AnswerMemory
{
    private readonly Dictionary<string, (AlertAck Ack, Task Stored)> _answers = [];
    private readonly Queue<string> _order = new();
    private readonly Dictionary<string, DedupEntry> _windows = [];

    /// <summary>How many incidents the device's alerts opened.</summary>
    public long Opened { get; private set; }

    /// <summary>Fills the memory from the device's journal, oldest entry first.</summary>
    public void Restore(IEnumerable<JournalEntry> journal)
    {
        foreach (var entry in journal)
        {
            Remember(entry.Ack, Task.CompletedTask);
            if (entry.Window is { } window)
                _windows[window.Key] = window;
            Opened = entry.Opened;
        }
    }

    /// <summary>
    /// The first answer to <paramref name="alertId"/> and the task of its journal entry, if remembered.
    /// </summary>
    public bool TryFind(string alertId, out AlertAck ack, out Task stored)
    {
        var found = _answers.TryGetValue(alertId, out var answer);
        (ack, stored) = found ? (answer.Ack, answer.Stored) : (null!, Task.CompletedTask);
        return found;
    }

    /// <summary>The open dedup window of <paramref name="key"/> at <paramref name="now"/>, if any.</summary>
    public DedupEntry? Window(string key, DateTimeOffset now) =>
        _windows.TryGetValue(key, out var window) && window.Until > now ? window : null;

    /// <summary>Forgets a window whose incident is no longer open.</summary>
    public void Close(string key) => _windows.Remove(key);

    /// <summary>
    /// Records an answer given now, and the window of the device's own key after it (null for none, or for a
    /// gateway-set key, whose window its key's grain keeps). Returns the journal entry that must be stored before the
    /// answer is sent.
    /// </summary>
    public JournalEntry Answer(Alert alert, AlertAck ack, DedupEntry? window, DateTimeOffset now)
    {
        if (window is not null)
        {
            _windows[window.Key] = window;
            if (_windows.Count > IAlertJournal.Kept)
                foreach (var ended in _windows.Where(w => w.Value.Until <= now).Select(w => w.Key).ToList())
                    _windows.Remove(ended);
        }
        if (ack.Disposition == Disposition.NewIncident)
            Opened++;
        return new JournalEntry(alert, alert.DeviceId, ack, window, Opened);
    }

    /// <summary>
    /// Keeps the first answer to an alert id, forgetting the oldest beyond <see cref="IAlertJournal.Kept"/>.
    /// </summary>
    public void Remember(AlertAck ack, Task stored)
    {
        if (!_answers.TryAdd(ack.AlertId, (ack, stored)))
            return;
        _order.Enqueue(ack.AlertId);
        if (_order.Count > IAlertJournal.Kept)
            _answers.Remove(_order.Dequeue());
    }
}
