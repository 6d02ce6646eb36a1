using System.Text.Encodings.Web;
using System.Text.Json;
using Dispatch.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Dispatch.Contracts;

/// <summary>
/// How Dispatch's types cross the wire and land in storage. The domain stays free of Orleans attributes, so its
/// records travel as System.Text.Json (their polymorphic commands and events carry a kind discriminator); the
/// contracts' own records use Orleans' generated serializers.
/// </summary>
public static class DispatchSerialization
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static bool IsDomainType(Type type) => type.Assembly == typeof(Incident).Assembly;

    /// <summary>Registers the domain's JSON codec with Orleans; silos and clients both call it.</summary>
    public static IServiceCollection AddDispatchSerialization(this IServiceCollection services) =>
        services.AddSerializer(serializer => serializer
            .AddJsonSerializer(isSupported: IsDomainType, jsonSerializerOptions: Json)
            // Commands and events travel as their abstract base types; the JSON carries the concrete kind.
            .Configure(manifest => manifest.AddAllowedAssembly(typeof(Incident).Assembly)));
}
