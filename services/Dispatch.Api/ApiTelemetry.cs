using System.Diagnostics;

namespace Dispatch.Api;

/// <summary>
/// The API's own activity source (<c>Dispatch.Api</c>): projecting events, and pushing changes to live subscribers.
/// </summary>
public static class ApiTelemetry
{
    public static readonly ActivitySource Source = new("Dispatch.Api");
}
