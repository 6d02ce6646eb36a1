using Orleans.Concurrency;

namespace Dispatch.Abstractions;

/// <summary>An IoT gateway (物联网关), keyed by its id: holds the secret its calls are signed with.</summary>
[Alias("Dispatch.IGatewayGrain")]
public interface IGatewayGrain : IGrainWithStringKey
{
    /// <summary>Registers the gateway, or returns its existing registration; either way with its signing secret.</summary>
    [Alias("Register")]
    Task<GatewayRegistration> RegisterAsync(string name);

    /// <summary>The signing secret, or null when the gateway is not registered.</summary>
    [Alias("GetSecret"), AlwaysInterleave]
    Task<string?> GetSecretAsync();
}

[GenerateSerializer, Immutable, Alias("Dispatch.GatewayRegistration")]
public sealed record GatewayRegistration([property: Id(0)] string GatewayId, [property: Id(1)] string Name, [property: Id(2)] string Secret);
