using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// One grid cell of one scenario, keyed "scenario|row:column": correlates alerts of different devices that
/// happen at one place (three cameras, one person in the water: one incident), and opens the incident when
/// none is open within the cell window.
/// </summary>
[Alias("Dispatch.ICellGrain")]
public interface ICellGrain : IGrainWithStringKey
{
    /// <summary>The incident the alert belongs to: an open one in this cell, or a new one.</summary>
    [Alias("Correlate")]
    Task<AlertAck> CorrelateAsync(Alert alert, Device device);
}
