using System.Security.Cryptography;
using Dispatch.Abstractions;

namespace Dispatch.Grains;

/// <summary>An IoT gateway's registration and signing secret.</summary>
public sealed class GatewayGrain(
    [PersistentState("gateway", DispatchStorage.Name)] IPersistentState<GatewayGrain.Record> record) : Grain, IGatewayGrain
{
    /// <summary>What the grain keeps in storage: nothing until the gateway is registered.</summary>
    public sealed record Record(GatewayRegistration? Registration = null);

    public async Task<GatewayRegistration> RegisterAsync(string name)
    {
        if (record.State.Registration is { } existing) return existing;
        record.State = new Record(new GatewayRegistration(this.GetPrimaryKeyString(), name, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        await record.WriteStateAsync();
        return record.State.Registration!;
    }

    public Task<string?> GetSecretAsync() => Task.FromResult(record.State.Registration?.Secret);
}
