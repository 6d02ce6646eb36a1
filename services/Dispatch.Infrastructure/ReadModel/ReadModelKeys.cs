namespace Dispatch.Infrastructure.ReadModel;

/// <summary>
/// The read model's keys: the projected incidents, their indexes (sorted sets scored by report time), the
/// per-incident facts for the evaluation, daily counters, and the channel live changes are published on.
/// </summary>
public sealed class ReadModelKeys(KeySpace keys)
{
    /// <summary>JSON of one projected incident.</summary>
    public string Incident(string number) => keys.Shared($"rm:incident:{number}");

    /// <summary>Hash: incident number → sequence number of the last event projected.</summary>
    public string Versions => keys.Shared("rm:versions");

    /// <summary>Hash: incident number → JSON of its evaluation facts.</summary>
    public string Facts => keys.Shared("rm:facts");

    /// <summary>
    /// Sorted set of incident numbers, scored by report time (Unix ms): <c>all</c>, <c>open</c>, <c>overdue</c>,
    /// <c>state:Filed</c>, <c>unit:GREEN</c>, ….
    /// </summary>
    public string Index(string name) => keys.Shared($"rm:idx:{name}");

    /// <summary>Hash per day (district time): event kind → how many such events happened that day.</summary>
    public string Daily(DateOnly day) => keys.Shared($"rm:daily:{day:yyyy-MM-dd}");

    /// <summary>Sorted set: the alert record's stream ids of the alerts behind an incident.</summary>
    public string Alerts(string number) => keys.Shared($"rm:alerts:{number}");

    /// <summary>A scratch key for combining indexes in one query.</summary>
    public string Scratch(string id) => keys.Shared($"rm:scratch:{id}");

    /// <summary>
    /// Sorted set of one action-queue bucket (see <see cref="ActionQueue"/>), scored by due instant and priority.
    /// </summary>
    public string Queue(string bucket) => keys.Shared($"rm:queue:{bucket}");

    /// <summary>Sorted set of every incident number, all scored 0, for prefix lookups (ZRANGEBYLEX).</summary>
    public string Numbers => keys.Shared("rm:numbers");

    /// <summary>The same numbers written backwards, so that a number's last digits are a prefix here.</summary>
    public string NumbersReversed => keys.Shared("rm:numbers:reversed");

    /// <summary>
    /// Hash: incident number → its position as "lat,lon", for the heat map without loading incidents.
    /// </summary>
    public string Positions => keys.Shared("rm:positions");

    /// <summary>Sorted set per day (district time): device id → alerts it sent that day.</summary>
    public string DeviceAlerts(DateOnly day) => keys.Shared($"rm:device-alerts:{day:yyyy-MM-dd}");

    /// <summary>List: evidence ids of the photos sent with an incident's report.</summary>
    public string ReportPhotos(string number) => keys.Shared($"rm:report-photos:{number}");

    /// <summary>Pub/sub channel of projected changes.</summary>
    public string Changes => keys.Shared("rm:changes");
}
