using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// One grid cell of one scenario, keyed "scenario|row:column": correlates alerts of different devices that happen at
/// one place (three cameras, one person in the water: one incident) when their types are compatible, reclassifies the
/// incident when a more urgent alert joins it, and opens a new incident when none is open within the cell window.
/// </summary>
[Alias("Dispatch.ICellGrain")]
public interface ICellGrain : IGrainWithStringKey
{
    /// <summary>The incident the alert belongs to: an open compatible one in this cell, or a new one.</summary>
    [Alias("Correlate")]
    Task<Correlated> CorrelateAsync(Alert alert, Device device);
}

/// <summary>
/// A gateway-set dedup key (<c>gw:&lt;gateway&gt;/&lt;key&gt;</c>), shared by every device of that gateway: keyed by
/// the key, it holds the key's dedup window and decides, one alert at a time, whether an alert joins the key's
/// incident or goes on to its grid cell. The window is stored before the answer is given.
/// </summary>
[Alias("Dispatch.IDedupKeyGrain")]
public interface IDedupKeyGrain : IGrainWithStringKey
{
    [Alias("Correlate")]
    Task<Correlated> CorrelateAsync(Alert alert, Device device);
}

/// <summary>
/// The answer to an alert, and the dedup window of its key after it (none when it went to no incident).
/// </summary>
[GenerateSerializer, Immutable, Alias("Dispatch.Correlated")]
public sealed record Correlated([property: Id(0)] AlertAck Ack, [property: Id(1)] DedupEntry? Window);
