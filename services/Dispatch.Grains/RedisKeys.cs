namespace Dispatch.Grains;

/// <summary>
/// The Redis keys Dispatch writes besides Orleans' own, namespaced by service id. The braces are a hash tag,
/// so that keys one script touches sit in one slot on a Redis cluster.
/// </summary>
public sealed class RedisKeys(string serviceId)
{
    public string ServiceId => serviceId;

    /// <summary>The event stream (XADD entries with fields incident, seq, kind, event).</summary>
    public string Events => $"{{{serviceId}}}:events";

    /// <summary>Hash: incident number → last sequence number appended to <see cref="Events"/>.</summary>
    public string EventsPublished => $"{{{serviceId}}}:events:published";

    /// <summary>The alert record (XADD entries with fields alert_id, device, gateway, disposition, incident, alert).</summary>
    public string Alerts => $"{{{serviceId}}}:alerts";

    /// <summary>Nonces of signed gateway calls, each kept for the replay window.</summary>
    public string Nonce(string gatewayId, string nonce) => $"{{{serviceId}}}:nonces:{gatewayId.Length}:{gatewayId}:{nonce}";

    public string NumberCounter(string prefix) => $"{{{serviceId}}}:numbers:{prefix}";

    /// <summary>The reporter's length goes first, so that no reporter and command id can spell another pair's key.</summary>
    public string NumberClaim(string reporter, string commandId) => $"{{{serviceId}}}:numbers:claims:{reporter.Length}:{reporter}:{commandId}";
}
