namespace Dispatch.Grains;

/// <summary>
/// The Redis keys Dispatch writes besides Orleans' own, namespaced by service id. The braces are a hash tag,
/// so that keys one script touches sit in one slot on a Redis cluster.
/// </summary>
public sealed class RedisKeys(string serviceId)
{
    public string ServiceId => serviceId;

    /// <summary>The event stream (XADD entries with fields incident, seq, kind, event, traceparent).</summary>
    public string Events => $"{{{serviceId}}}:events";

    /// <summary>Hash: incident number → last sequence number appended to <see cref="Events"/>.</summary>
    public string EventsPublished => $"{{{serviceId}}}:events:published";

    /// <summary>The alert record (XADD entries with fields alert_id, device, gateway, disposition, incident, alert).</summary>
    public string Alerts => $"{{{serviceId}}}:alerts";

    /// <summary>A device's answers to its recent alerts (XADD entries with fields alert_id, disposition, incident; capped).</summary>
    public string DeviceAcks(string deviceId) => $"{{{serviceId}}}:alerts:acks:{deviceId}";

    /// <summary>Hash: device id → how many of its alerts were recorded.</summary>
    public string AlertCounts => $"{{{serviceId}}}:alerts:counts";

    /// <summary>Nonces of signed gateway calls, each kept for the replay window.</summary>
    public string Nonce(string gatewayId, string nonce) => $"{{{serviceId}}}:nonces:{gatewayId.Length}:{gatewayId}:{nonce}";

    public string NumberCounter(string prefix) => $"{{{serviceId}}}:numbers:{prefix}";

    /// <summary>The reporter's length goes first, so that no reporter and command id can spell another pair's key.</summary>
    public string NumberClaim(string reporter, string commandId) => $"{{{serviceId}}}:numbers:claims:{reporter.Length}:{reporter}:{commandId}";

    /// <summary>The log of incident reads for spot checks (XADD entries with fields user, role, unit, incident, what).</summary>
    public string Reads => $"{{{serviceId}}}:reads";

    /// <summary>Evidence (a photo) and what it belongs to, as a hash.</summary>
    public string Evidence(string id) => $"{{{serviceId}}}:evidence:{id}";

    /// <summary>The read model's own keys.</summary>
    public ReadModelKeys ReadModel => new(serviceId);
}

/// <summary>
/// The read model: the projected incidents, their indexes (sorted sets scored by report time), the per-incident
/// facts for the evaluation, daily counters, and the channel live changes are published on.
/// </summary>
public sealed class ReadModelKeys(string serviceId)
{
    private string Prefix => $"{{{serviceId}}}:rm";

    /// <summary>JSON of one projected incident.</summary>
    public string Incident(string number) => $"{Prefix}:incident:{number}";

    /// <summary>Hash: incident number → sequence number of the last event projected.</summary>
    public string Versions => $"{Prefix}:versions";

    /// <summary>Hash: incident number → JSON of its evaluation facts.</summary>
    public string Facts => $"{Prefix}:facts";

    /// <summary>Sorted set of incident numbers, scored by report time (Unix ms): <c>all</c>, <c>open</c>, <c>overdue</c>, <c>state:Filed</c>, <c>unit:GREEN</c>, ….</summary>
    public string Index(string name) => $"{Prefix}:idx:{name}";

    /// <summary>Hash per day (district time): event kind → how many such events happened that day.</summary>
    public string Daily(DateOnly day) => $"{Prefix}:daily:{day:yyyy-MM-dd}";

    /// <summary>Sorted set: the alert record's stream ids of the alerts behind an incident.</summary>
    public string Alerts(string number) => $"{Prefix}:alerts:{number}";

    /// <summary>Hash: worker → last position they reported (lat,lon), for dispatch by distance.</summary>
    public string Positions => $"{Prefix}:positions";

    /// <summary>A scratch key for combining indexes in one query.</summary>
    public string Scratch(string id) => $"{Prefix}:scratch:{id}";

    /// <summary>Pub/sub channel of projected changes.</summary>
    public string Changes => $"{Prefix}:changes";
}
