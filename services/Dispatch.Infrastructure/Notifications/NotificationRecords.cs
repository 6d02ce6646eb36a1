using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>How a notice reached (or was to reach) someone.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryChannel>))]
public enum DeliveryChannel
{
    /// <summary>Into a person's in-app inbox (the console's and the field page's notification list).</summary>
    InApp,

    /// <summary>Posted to an outbound webhook.</summary>
    Webhook,

    /// <summary>The notice stayed unacknowledged and went on to the next in the escalation chain.</summary>
    Escalation,
}

/// <summary>Where a delivery stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    /// <summary>
    /// Claimed by an instance that is sending it now (or died sending it: then another takes it over).
    /// </summary>
    Queued,

    /// <summary>In the person's inbox, or answered 2xx by the webhook, or passed on up the chain.</summary>
    Sent,

    /// <summary>
    /// The last round failed; <see cref="DeliveryRecord.NextAttemptAt"/> says when it is tried again (none: never).
    /// </summary>
    Failed,

    /// <summary>Sent, and someone it was addressed to acknowledged the notice.</summary>
    Acknowledged,
}

/// <summary>Why a delivery failed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryFailure>))]
public enum DeliveryFailure
{
    /// <summary>The recipient role names nobody (no roster entry, no user in the directory).</summary>
    NoRecipient,

    /// <summary>The webhook answered with a status other than 2xx.</summary>
    HttpStatus,

    /// <summary>The webhook did not answer in time.</summary>
    Timeout,

    /// <summary>The webhook could not be reached.</summary>
    Network,

    /// <summary>The webhook's circuit is open after repeated failures: nothing was sent.</summary>
    CircuitOpen,

    /// <summary>The webhook is no longer configured.</summary>
    Unconfigured,
}

/// <summary>
/// What a notice is about, as the channels word it: the incident's number, type, priority, street and state.
/// </summary>
public sealed record NoticeSubject(string Number, string Type, Priority Priority, string Street, IncidentState State)
{
    public static NoticeSubject Of(Incident incident) =>
        new(incident.Number, incident.Type, incident.Priority, incident.Street, incident.State);
}

/// <summary>
/// One notice as the notifier recorded it, once: its identity (<see cref="Key"/>, and <see cref="Id"/> derived from
/// it), the people its recipient role named when it was first recorded (a replay tells the same people, even if the
/// roster changed since), when it falls due for escalation, and what became of it: acknowledged by whom, escalated
/// to which notice.
/// </summary>
/// <param name="Key">
/// The notice's identity: <see cref="Notice.Key"/> for a notice an event caused; for an escalation the key of the
/// notice it escalates, <c>&gt;</c>, and the next recipient, so that it never coincides with a notice the event
/// itself sent to that recipient.
/// </param>
public sealed record NoticeState(
    string Id,
    string Key,
    Notice Notice,
    NoticeSubject Subject,
    IReadOnlyList<string> People,
    DateTimeOffset EventAt,
    DateTimeOffset RecordedAt,
    DateTimeOffset? EscalateAt
)
{
    /// <summary>The notice this one escalates (its id), and its recipient.</summary>
    public string? EscalatedFrom { get; init; }
    public NoticeRecipient? EscalatedFromRecipient { get; init; }

    /// <summary>The notice this one went on to when it stayed unacknowledged (its id), and when.</summary>
    public string? EscalatedTo { get; init; }
    public DateTimeOffset? EscalatedAt { get; init; }

    public string? AcknowledgedBy { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }

    public bool IsAcknowledged => AcknowledgedAt is not null;
}

/// <summary>
/// One delivery of one notice over one channel to one target (a person, a webhook, or the next in the chain): the
/// claim that makes it happen once, and the record people see on the incident. Times: <see cref="EventAt"/> is the
/// event's, <see cref="QueuedAt"/> when the notifier first took it up, <see cref="SentAt"/> when it arrived (the
/// inbox stored it, the webhook answered 2xx): their difference is the delivery's latency.
/// </summary>
public sealed record DeliveryRecord(
    string Id,
    string Incident,
    string Notice,
    NoticeTopic Topic,
    NoticeUrgency Urgency,
    NoticeRecipient To,
    DeliveryChannel Channel,
    string Target,
    DeliveryStatus Status,
    DateTimeOffset EventAt,
    DateTimeOffset QueuedAt
)
{
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public string? AcknowledgedBy { get; init; }

    /// <summary>
    /// HTTP requests made (each attempt of each round); attempts the open circuit refused are not among them.
    /// </summary>
    public int Calls { get; init; }

    /// <summary>Rounds taken: the first send, and each retry the sweeper took up.</summary>
    public int Rounds { get; init; }

    public DeliveryFailure? Failure { get; init; }
    public string? Error { get; init; }

    /// <summary>When a failed delivery is taken up again; none once it is sent or given up.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The instance holding the claim, and until when (see <see cref="NotificationOptions.Lease"/>).</summary>
    public string? Claimant { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>For a delivery of an escalated notice: the id of the notice it escalates.</summary>
    public string? EscalatedFrom { get; init; }

    /// <summary>Whether it is done with: sent (or acknowledged), or failed for good.</summary>
    public bool IsSettled =>
        Status is DeliveryStatus.Sent or DeliveryStatus.Acknowledged
        || (Status == DeliveryStatus.Failed && NextAttemptAt is null);
}

/// <summary>
/// A notice in one person's inbox: what it is about (typed), its words in both languages, when the event happened
/// and when the notice arrived, and whether the person read and acknowledged it.
/// </summary>
/// <param name="Escalates">Whether it goes on up the chain unless someone acknowledges it.</param>
public sealed record InboxNotice(
    string Id,
    string User,
    string Notice,
    string Incident,
    NoticeTopic Topic,
    NoticeUrgency Urgency,
    NoticeRecipient To,
    string? Unit,
    Stage? Stage,
    Label Words,
    DateTimeOffset EventAt,
    DateTimeOffset DeliveredAt,
    bool Escalates,
    NoticeRecipient? EscalatedFrom
)
{
    public bool Read { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public string? AcknowledgedBy { get; init; }
}

/// <summary>What changed in an inbox, as published to the instances that stream it live.</summary>
public sealed record InboxChange(string User, InboxChangeKind Kind, InboxNotice? Notice, long Unread);

[JsonConverter(typeof(JsonStringEnumConverter<InboxChangeKind>))]
public enum InboxChangeKind
{
    /// <summary>A new notice arrived.</summary>
    Added,

    /// <summary>A notice was read or acknowledged.</summary>
    Updated,
}

/// <summary>
/// The ids of notices and deliveries: a digest of the notice's key (and the channel and target), the same in every
/// instance and on every replay, so a second attempt to record or send the same thing finds the first.
/// </summary>
public static class NoticeIds
{
    public static string Notice(string key) => Digest(key);

    /// <summary>The in-app copy for one person: also the id people acknowledge it by.</summary>
    public static string InApp(string key, string person) => Digest($"{key}\n@{person}");

    public static string Webhook(string key, string webhook) => Digest($"{key}\n→{webhook}");

    public static string Escalation(string key) => Digest($"{key}\n^");

    /// <summary>
    /// The key of the notice that escalates the notice of <paramref name="key"/> to <paramref name="next"/>.
    /// </summary>
    public static string Escalated(string key, NoticeRecipient next) => $"{key}>{next}";

    private static string Digest(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
}

/// <summary>
/// A member of a partition's outbox (deliveries to retry) or escalation set (notices awaiting acknowledgement).
/// </summary>
public sealed record DueEntry(string Incident, string Id);
