using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// The dedup window of one key, as the caller keeps it: alerts with <see cref="Key"/> (an
/// <see cref="Alert.EffectiveDedupKey"/>) arriving before <see cref="Until"/> may join <see cref="Incident"/>, which is
/// open and of <see cref="Type"/> and <see cref="Priority"/> as far as the caller knows.
/// </summary>
public sealed record DedupEntry(string Key, string Incident, string Type, Priority Priority, DateTimeOffset Until);

/// <summary>
/// An open incident known in one grid cell of one scenario: its type and priority now, and when an alert last opened
/// or joined it (the cell window counts from there).
/// </summary>
public sealed record CellIncident(string Number, string Type, Priority Priority, DateTimeOffset LastAlert);

/// <summary>A device is silenced (for maintenance): its alerts are recorded but open nothing.</summary>
public sealed record DeviceSilence(string Reason);

/// <summary>Why an alert joined an incident.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttachBasis>))]
public enum AttachBasis
{
    /// <summary>Its dedup key's window points to the incident.</summary>
    DedupKey,

    /// <summary>An open incident of the same scenario and grid cell had an alert within the cell window.</summary>
    Cell,
}

/// <summary>What becomes of one alert, as <see cref="AlertDecider"/> decides it.</summary>
public abstract record AlertDecision(string AlertId, string Reason)
{
    /// <summary>
    /// The answer to the gateway. <paramref name="openedIncident"/> is the number of the incident opened for an
    /// <see cref="OpenNewIncident"/> decision, and is not used by the others.
    /// </summary>
    public abstract AlertAck Answer(string? openedIncident = null);
}

/// <summary>The alert cannot be taken in; <see cref="Problem"/> names the field.</summary>
public sealed record RejectAlert(string AlertId, FieldProblem Problem, bool NotPermitted)
    : AlertDecision(AlertId, Problem.Message)
{
    public override AlertAck Answer(string? openedIncident = null) =>
        new(AlertId, Disposition.Rejected, null, Problem.Message, Problem.Field, NotPermitted);
}

/// <summary>The device is silenced: the alert is recorded, and opens or joins nothing.</summary>
public sealed record SuppressAlert(string AlertId, string Reason) : AlertDecision(AlertId, Reason)
{
    public override AlertAck Answer(string? openedIncident = null) =>
        new(AlertId, Disposition.Suppressed, null, Reason);
}

/// <summary>The alert joins open incident <see cref="Incident"/>, which stays of its type and priority.</summary>
public sealed record AttachAlert(
    string AlertId,
    string Incident,
    AttachBasis By,
    string Type,
    Priority Priority,
    string Reason
) : AlertDecision(AlertId, Reason)
{
    public override AlertAck Answer(string? openedIncident = null) =>
        new(AlertId, Disposition.Attached, Incident, Reason);
}

/// <summary>
/// The alert joins open incident <see cref="Incident"/> of a lesser priority, which <see cref="Command"/> reclassifies
/// from <see cref="FromType"/> to the alert's type and priority (<see cref="Type"/>, <see cref="Priority"/>).
/// </summary>
public sealed record AttachAndReclassify(
    string AlertId,
    string Incident,
    AttachBasis By,
    string FromType,
    Priority FromPriority,
    string Type,
    Priority Priority,
    string Reason,
    ReclassifyIncident Command
) : AlertDecision(AlertId, Reason)
{
    public override AlertAck Answer(string? openedIncident = null) =>
        new(AlertId, Disposition.Attached, Incident, Reason);
}

/// <summary>The alert opens a new incident by <see cref="Report"/>, of the alert's type and priority.</summary>
public sealed record OpenNewIncident(
    string AlertId,
    ReportIncident Report,
    string Type,
    Priority Priority,
    string Reason
) : AlertDecision(AlertId, Reason)
{
    public override AlertAck Answer(string? openedIncident = null) =>
        new(
            AlertId,
            Disposition.NewIncident,
            openedIncident ?? throw new ArgumentNullException(nameof(openedIncident), "the opened incident's number"),
            $"opened {openedIncident}"
        );
}

/// <summary>
/// Decides what becomes of an alert from a registered device (关联研判). Pure: what the caller knows (the device, its
/// silence, the dedup windows, the open incidents of the grid cell) and the time come in as arguments.
/// </summary>
/// <remarks>
/// <para>The rules, in order; the first that applies decides:</para>
/// <list type="number">
/// <item><b>Reject</b> an alert that cannot be taken in (<see cref="AlertRules.Problem"/>): the answer names the
/// field.</item>
/// <item><b>Suppress</b> the alert of a silenced device.</item>
/// <item><b>Same dedup key.</b> A window of the alert's <see cref="Alert.EffectiveDedupKey"/> that has not ended, and
/// whose incident's type is compatible with the alert's (<see cref="Catalog.Compatible"/>), takes the alert. A
/// gateway-set key is shared by all of that gateway's devices, so their alerts meet here; a window whose incident is
/// of an incompatible type is passed over (the alert goes on to the cell).</item>
/// <item><b>Same cell.</b> An open incident of the same scenario and grid cell, of a compatible type, that had an
/// alert no longer than the scenario's cell window ago takes the alert (several cameras, one person in the
/// water).</item>
/// <item>Otherwise the alert <b>opens a new incident</b> of its own type.</item>
/// </list>
/// <para>When several windows or cell incidents qualify, the most urgent incident takes the alert, then the one with
/// the latest window or alert, then the lowest number.</para>
/// <para><b>An urgent alert never disappears into a lesser incident:</b> when the alert's type is of a higher priority
/// than the incident it joins, the decision is <see cref="AttachAndReclassify"/>: the incident is reclassified to the
/// alert's type (and so its priority, deadlines, filing and auto-dispatch rules). A compatible alert of the same or a
/// lower priority joins as it is.</para>
/// <para>The caller replays an alert id it answered before (the first answer again) before asking, keeps the windows
/// and cell incidents up to date from each decision (<see cref="WindowAfter"/>, <see cref="CellAfter"/>), forgets
/// incidents that are no longer open, and executes the report or the reclassification. Should the reclassification
/// be refused (the incident went under review or closed meanwhile), the alert opens its own incident with
/// <see cref="Report"/>.</para>
/// <para>The decision can be taken in two places, as the grains do: <see cref="BeforeCell"/> where the device's state
/// is (rules 1–3; null means "ask the cell"), then <see cref="InCell"/> where the cell's incidents are (rules 4–5).
/// <see cref="Decide"/> is both in one.</para>
/// </remarks>
public sealed class AlertDecider(Catalog catalog)
{
    public Catalog Catalog => catalog;

    /// <summary>Rules 1–5 in one step.</summary>
    public AlertDecision Decide(
        Alert alert,
        Device? device,
        DeviceSilence? silence,
        IEnumerable<DedupEntry> windows,
        IEnumerable<CellIncident> cell,
        DateTimeOffset now
    ) => BeforeCell(alert, device, silence, windows, now) ?? InCell(alert, device!, cell, now);

    /// <summary>Rules 1–3: reject, suppress or join by dedup key; null when the cell decides.</summary>
    public AlertDecision? BeforeCell(
        Alert alert,
        Device? device,
        DeviceSilence? silence,
        IEnumerable<DedupEntry> windows,
        DateTimeOffset now
    )
    {
        if (AlertRules.Problem(alert, device, catalog, now) is { } p)
            return new RejectAlert(alert.AlertId, p.Problem, p.NotPermitted);
        if (silence is not null)
            return new SuppressAlert(alert.AlertId, $"device {device!.Id} is silenced: {silence.Reason}");
        var type = catalog.FindType(alert.Type)!;
        var key = alert.EffectiveDedupKey;
        var window = windows
            .Where(w => w.Key == key && w.Until > now && catalog.Compatible(w.Type, type.Code))
            .OrderBy(w => w.Priority)
            .ThenByDescending(w => w.Until)
            .ThenBy(w => w.Incident, StringComparer.Ordinal)
            .FirstOrDefault();
        return window is null
            ? null
            : Join(alert, type, window.Incident, window.Type, window.Priority, AttachBasis.DedupKey);
    }

    /// <summary>
    /// Rules 4–5, for an alert that passed <see cref="BeforeCell"/>: join a compatible incident of the cell, or open a
    /// new one.
    /// </summary>
    public AlertDecision InCell(Alert alert, Device device, IEnumerable<CellIncident> cell, DateTimeOffset now)
    {
        if (catalog.FindType(alert.Type) is not { } type)
            return new RejectAlert(
                alert.AlertId,
                new FieldProblem("type", $"'{alert.Type}' is not an incident type of the catalog"),
                false
            );
        var window = CellWindow(type);
        var joined = cell.Where(c => now - c.LastAlert <= window && catalog.Compatible(c.Type, type.Code))
            .OrderBy(c => c.Priority)
            .ThenByDescending(c => c.LastAlert)
            .ThenBy(c => c.Number, StringComparer.Ordinal)
            .FirstOrDefault();
        return joined is not null
            ? Join(alert, type, joined.Number, joined.Type, joined.Priority, AttachBasis.Cell)
            : new OpenNewIncident(
                alert.AlertId,
                Report(alert, device),
                type.Code,
                type.Priority,
                $"no open incident of a type compatible with {type.Code} under its dedup key or in its cell"
            );
    }

    /// <summary>The report that opens an incident for an alert of <paramref name="device"/>.</summary>
    public ReportIncident Report(Alert alert, Device device)
    {
        var type =
            catalog.FindType(alert.Type)
            ?? throw new ArgumentException($"unknown incident type '{alert.Type}'", nameof(alert));
        return new ReportIncident(
            $"alert/{alert.AlertId}",
            new Actor(alert.GatewayId, Role.Gateway),
            alert.Type,
            alert.Detection is null ? Channel.IotSensor : Channel.AiCamera,
            device.Street,
            $"{type.Zh} / {type.En} ({device.Kind} {device.Id})",
            alert.Location,
            null,
            alert.ObservedAt,
            alert.Detection?.Confidence,
            AlertSource.Of(device.Id, alert.AlertId)
        );
    }

    /// <summary>
    /// The window of the alert's dedup key after <paramref name="decision"/>: its incident, as it is after the
    /// decision, until a dedup window from <paramref name="now"/>. Null when the alert went to no incident.
    /// </summary>
    public DedupEntry? WindowAfter(Alert alert, AlertDecision decision, string? openedIncident, DateTimeOffset now) =>
        After(decision, openedIncident) is var (number, type, priority)
            ? new DedupEntry(
                alert.EffectiveDedupKey,
                number,
                type,
                priority,
                now + DedupWindow(catalog.FindType(type)!)
            )
            : null;

    /// <summary>The cell's knowledge of the incident the alert went to after <paramref name="decision"/>.</summary>
    public CellIncident? CellAfter(AlertDecision decision, string? openedIncident, DateTimeOffset now) =>
        After(decision, openedIncident) is var (number, type, priority)
            ? new CellIncident(number, type, priority, now)
            : null;

    /// <summary>How long repeats of a key keep joining its incident, for alerts of <paramref name="type"/>.</summary>
    public TimeSpan DedupWindow(IncidentType type) => Correlation(type).DedupWindow.Length(TimeSpan.Zero);

    /// <summary>How long a cell's incident takes compatible alerts after its last, for this type.</summary>
    public TimeSpan CellWindow(IncidentType type) => Correlation(type).CellWindow.Length(TimeSpan.Zero);

    private CorrelationWindows Correlation(IncidentType type) =>
        (
            catalog.FindScenario(type.Scenario)
            ?? throw new ArgumentException($"{type.Code} belongs to no scenario with alerts", nameof(type))
        ).Correlation;

    private static (string Number, string Type, Priority Priority)? After(AlertDecision decision, string? opened) =>
        decision switch
        {
            AttachAlert a => (a.Incident, a.Type, a.Priority),
            AttachAndReclassify r => (r.Incident, r.Type, r.Priority),
            OpenNewIncident o when opened is not null => (opened, o.Type, o.Priority),
            _ => null,
        };

    private static AlertDecision Join(
        Alert alert,
        IncidentType type,
        string incident,
        string incidentType,
        Priority incidentPriority,
        AttachBasis by
    )
    {
        var how = by == AttachBasis.DedupKey ? "same dedup key" : "same scenario and grid cell";
        if (type.Priority >= incidentPriority)
            return new AttachAlert(
                alert.AlertId,
                incident,
                by,
                incidentType,
                incidentPriority,
                $"joined {incident} ({how})"
            );
        var reason =
            $"joined {incident} ({how}) and reclassified it from {incidentType} ({incidentPriority}) "
            + $"to {type.Code} ({type.Priority})";
        // The command id is the alert's, so that a retried alert cannot reclassify twice.
        var command = new ReclassifyIncident(
            $"alert/{alert.AlertId}/reclassify",
            new Actor(alert.GatewayId, Role.Gateway),
            type.Code,
            null,
            $"alert {alert.AlertId} of {type.Code} ({type.Priority}) joined the incident",
            alert.Detection?.Confidence
        );
        return new AttachAndReclassify(
            alert.AlertId,
            incident,
            by,
            incidentType,
            incidentPriority,
            type.Code,
            type.Priority,
            reason,
            command
        );
    }
}
