namespace Dispatch.Ingest;

/// <summary>Settings of the ingest front door (section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    /// <summary>The port gateways call, HTTP/2 (gRPC) only.</summary>
    public int Port { get; set; } = 5081;

    /// <summary>An HTTP/1.1 port for health and metrics (probes and scrapers speak HTTP/1.1); 0 for none.</summary>
    public int HttpPort { get; set; }

    /// <summary>The largest alert taken in; a larger one is rejected by name, and the stream goes on.</summary>
    public int MaxAlertBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Alerts of one stream being worked on at once; past this the stream is not read (HTTP/2 flow control slows the
    /// gateway).
    /// </summary>
    public int MaxInFlightPerStream { get; set; } = 64;

    /// <summary>
    /// How many first answers this process remembers (times two: the current and the previous generation), so that
    /// a retried alert id is answered at once, without a call into the cluster; 0 turns that off.
    /// </summary>
    public int RememberedAnswers { get; set; } = 50_000;

    /// <summary>The bearer token of administrators (device registry). Empty: the registry refuses every call.</summary>
    public string AdminToken { get; set; } = "";
}
