using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// The record of every alert taken in (attached, new or suppressed) with its answer: the evidence behind
/// incidents, and the proof that nothing acknowledged was lost. An alert is appended before its ack is sent.
/// </summary>
public interface IAlertLog
{
    Task AppendAsync(IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts);
}
