using System.Diagnostics.Metrics;

namespace Dispatch.Tests;

/// <summary>
/// Grain activations created in this process's silos since it began, read from the Orleans meter
/// (<c>Microsoft.Orleans</c>, counter <c>orleans-catalog-activation-created</c>) as an exporter would read it.
/// </summary>
public sealed class SecurityActivations : IDisposable
{
    public const string Meter = "Microsoft.Orleans";
    public const string Instrument = "orleans-catalog-activation-created";

    private readonly MeterListener _listener = new();
    private long _created;

    public SecurityActivations()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Meter && instrument.Name == Instrument)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _created, value));
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _created, value));
        _listener.Start();
    }

    /// <summary>Activations created since this listener started.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Waits until <paramref name="count"/> activations beyond <paramref name="from"/> were created.</summary>
    public async Task<long> AtLeastAsync(long from, long count)
    {
        for (var i = 0; i < 300 && Created < from + count; i++)
            await Task.Delay(50);
        return Created - from;
    }

    public void Dispose() => _listener.Dispose();
}
