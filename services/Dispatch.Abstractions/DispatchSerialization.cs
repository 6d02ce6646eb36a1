using System.Collections.Frozen;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Dispatch.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace Dispatch.Abstractions;

/// <summary>
/// How Dispatch's types cross the wire and land in storage. The domain stays free of Orleans attributes, so its
/// records travel as System.Text.Json (their polymorphic commands and events carry a kind discriminator); the
/// contracts' own records use Orleans' generated serializers.
/// </summary>
public static class DispatchSerialization
{
    /// <summary>
    /// The JSON options of storage, streams and the domain's JSON codec: the compile-time contracts of
    /// <see cref="DispatchJsonContext"/> first, reflection only for a type none of them covers.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(DispatchJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public static bool IsDomainType(Type type) => type.Assembly == typeof(Incident).Assembly;

    /// <summary>
    /// The domain types on the alert path, which cross grain boundaries by Orleans surrogates (see Surrogates.cs).
    /// </summary>
    private static readonly HashSet<Type> BySurrogate =
    [
        typeof(GeoPoint),
        typeof(Box),
        typeof(Detection),
        typeof(Alert),
        typeof(AlertAck),
        typeof(Device),
        typeof(DedupEntry),
    ];

    /// <summary>Domain types that cross grain boundaries as JSON: all but those with a surrogate.</summary>
    public static bool TravelsAsJson(Type type) => IsDomainType(type) && !BySurrogate.Contains(type) && !type.IsEnum;

    private static readonly FrozenDictionary<Type, string> EventKinds = typeof(IncidentEvent)
        .GetCustomAttributes<JsonDerivedTypeAttribute>()
        .ToFrozenDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    /// <summary>The kind an event is written with in JSON (its type discriminator), e.g. <c>reported</c>.</summary>
    public static string KindOf(IncidentEvent e) => EventKinds[e.GetType()];

    /// <summary>
    /// Registers the domain's JSON codec with Orleans; silos and clients both call it. The domain's records are
    /// immutable, so a call within one process passes them as they are instead of copying them through JSON.
    /// </summary>
    public static IServiceCollection AddDispatchSerialization(this IServiceCollection services) =>
        services
            .AddSingleton<IGeneralizedCopier, ImmutableDomainCopier>()
            .AddSerializer(serializer =>
                serializer
                    .AddJsonSerializer(
                        isSerializable: TravelsAsJson,
                        isCopyable: _ => false,
                        configureOptions: options => options.Configure(o => o.SerializerOptions = Json)
                    )
                    // Commands and events travel as their abstract base types; the JSON carries the concrete kind.
                    .Configure(manifest => manifest.AddAllowedAssembly(typeof(Incident).Assembly))
            );

    /// <summary>Domain records are never changed after they are made: a copy is the same instance.</summary>
    private sealed class ImmutableDomainCopier : IGeneralizedCopier
    {
        public bool IsSupportedType(Type type) => IsDomainType(type);

        public object? DeepCopy(object? input, CopyContext context) => input;
    }
}
