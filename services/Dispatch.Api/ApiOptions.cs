namespace Dispatch.Api;

/// <summary>The API service's own settings (section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>gRPC over HTTP/2 (prior knowledge on plain TCP), for native clients.</summary>
    public int GrpcPort { get; set; } = 5082;

    /// <summary>
    /// HTTP/1.1 for browsers: the same services as JSON (gRPC JSON transcoding), Open311, evidence downloads.
    /// </summary>
    public int HttpPort { get; set; } = 5080;

    /// <summary>"loopback" or "any"; by default loopback while the demo users are on, else any.</summary>
    public string Listen { get; set; } = "";

    /// <summary>The largest photo accepted as evidence.</summary>
    public int MaxEvidenceBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// Open311 API keys: key → the client's name (its reports are recorded as from that client, channel CitizenApp).
    /// </summary>
    public Dictionary<string, string> Open311Keys { get; set; } = [];
}
