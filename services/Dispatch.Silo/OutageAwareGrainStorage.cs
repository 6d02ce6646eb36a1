using Dispatch.Abstractions;
using Orleans.Storage;

namespace Dispatch.Silo;

/// <summary>
/// Orleans' Redis grain storage, with its failures told as what they are: a store outage leaves as a
/// <see cref="StoreUnavailableException"/>, a write that lost a race as Orleans' own
/// <see cref="InconsistentStateException"/>. Without this, a failure while a grain activates would reach a client as
/// the provider's own exception type, which only silos can read, and the client could not tell an outage.
/// </summary>
internal sealed class OutageAwareGrainStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Translate(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private static async Task Translate(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception e) when (e is not InconsistentStateException && StoreOutageCallFilter.Outage(e) is { } outage)
        {
            throw new StoreUnavailableException($"the store is unavailable: {outage.GetType().Name}: {outage.Message}");
        }
    }
}
