using System.Diagnostics;

namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// The read side's activity source (<c>Dispatch.ReadModel</c>): projecting events into the read model.
/// </summary>
public static class ReadModelTelemetry
{
    public static readonly ActivitySource Source = new("Dispatch.ReadModel");
}
