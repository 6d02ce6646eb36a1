namespace Dispatch.Grains;

/// <summary>
/// Grain references by string key without Orleans' lookup of the interface on every call: <c>GetGrain&lt;T&gt;(key)</c>
/// resolves the grain interface type of <typeparamref name="T"/> by reflection each time (attributes, type names),
/// which on the alert path costs more than the reference itself. The grain and interface types are looked up once
/// per interface here, and each reference is made from them.
/// </summary>
public static class GrainReferences
{
    /// <summary>
    /// The grain of <typeparamref name="T"/> with <paramref name="key"/>, as <c>GetGrain</c> gives it.
    /// </summary>
    public static T Grain<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        if (Types<T>.Known is { } known)
            return (T)grains.GetGrain(GrainId.Create(known.Grain, key), known.Interface);
        var reference = (GrainReference)(object)grains.GetGrain<T>(key);
        Types<T>.Known = new(reference.GrainId.Type, reference.InterfaceType);
        return (T)(object)reference;
    }

    private sealed record Resolved(GrainType Grain, GrainInterfaceType Interface);

    private static class Types<T>
    {
        /// <summary>Set once, by whichever call comes first; every call would set the same.</summary>
        public static Resolved? Known;
    }
}
