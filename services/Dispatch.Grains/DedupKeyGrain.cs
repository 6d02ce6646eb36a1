using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// A gateway-set dedup key, shared by all of that gateway's devices (see <see cref="IDedupKeyGrain"/>). Not
/// reentrant: the alerts of one key are decided one after the other, whichever device sent them. The key's window is
/// stored before an answer that begins it, moves it to another incident, or stretches it by more than a quarter of its
/// length; after a failover a window may therefore end up to a quarter early, and the next alert joins by cell.
/// </summary>
public sealed class DedupKeyGrain(
    [PersistentState("key", DispatchStorage.Name)] IPersistentState<DedupKeyGrain.Record> record,
    Correlation correlation,
    TimeProvider time
) : Grain, IDedupKeyGrain
{
    /// <summary>What the grain keeps in storage: the key's window, if one began.</summary>
    public sealed record Record(DedupEntry? Window = null);

    public async Task<Correlated> CorrelateAsync(Alert alert, Device device)
    {
        var now = time.GetUtcNow();
        var decider = correlation.Decider;
        var window =
            record.State.Window is { } w
            && w.Until > now
            && await GrainFactory.Grain<IIncidentGrain>(w.Incident).IsOpenAsync()
                ? w
                : null;
        var decision = decider.BeforeCell(alert, device, null, window is null ? [] : [window], now);
        var answer = decision is null
            ? await GrainFactory
                .Grain<ICellGrain>(CellGrain.KeyOf(device.Scenario, GridCell.Of(alert.Location, decider.Catalog)))
                .CorrelateAsync(alert, device)
            : await correlation.ActAsync(decision, alert, device);
        if (answer.Window is { } after)
        {
            var stored = record.State.Window;
            var length = after.Until - now;
            if (
                stored is null
                || stored.Incident != after.Incident
                || stored.Type != after.Type
                || stored.Until < after.Until - length / 4
            )
            {
                record.State = new Record(after);
                await record.WriteStateAsync();
            }
            else
                record.State = new Record(after with { Until = after.Until });
        }
        return answer;
    }
}
