namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// The notifications' keys. What concerns one incident (its notices, its delivery records, the notifier's view of it)
/// and the partition's outbox and escalation sets carry the hash tag of the incident's partition, the tag of the
/// incident's own record and event stream, so that a claim and its outbox entry change in one transaction, and a
/// cluster spreads them with the partitions. A person's inbox (its order, its notices, its unread set) carries the
/// person's own tag.
/// </summary>
public sealed class NotificationKeys(KeySpace keys, Partitions partitions)
{
    public Partitions Partitions => partitions;

    private string Tag(string number) => $"p{partitions.Of(number)}";

    /// <summary>Hash: notice id → <see cref="NoticeState"/> JSON, for one incident.</summary>
    public string Notices(string number) => keys.Tagged(Tag(number), $"notify:notices:{number}");

    /// <summary>Hash: delivery id → <see cref="DeliveryRecord"/> JSON, for one incident.</summary>
    public string Deliveries(string number) => keys.Tagged(Tag(number), $"notify:deliveries:{number}");

    /// <summary>
    /// Hash (<c>v</c>, <c>incident</c>): the incident as the notifier last folded it, and its version.
    /// </summary>
    public string Seen(string number) => keys.Tagged(Tag(number), $"notify:seen:{number}");

    /// <summary>
    /// Sorted set of a partition's claimed or failed webhook deliveries, scored by when to take them up (Unix ms).
    /// </summary>
    public string Outbox(int partition) => keys.Tagged($"p{partition}", "notify:outbox");

    /// <summary>
    /// Sorted set of a partition's notices awaiting acknowledgement, scored by when they escalate (Unix ms).
    /// </summary>
    public string Escalations(int partition) => keys.Tagged($"p{partition}", "notify:escalations");

    public string Outbox(string number) => Outbox(partitions.Of(number));

    public string Escalations(string number) => Escalations(partitions.Of(number));

    /// <summary>Sorted set: a person's notice ids by arrival (Unix ms).</summary>
    public string Inbox(string user) => keys.Tagged($"user:{user}", "inbox");

    /// <summary>Hash: a person's notice id → <see cref="InboxNotice"/> JSON.</summary>
    public string InboxItems(string user) => keys.Tagged($"user:{user}", "inbox:items");

    /// <summary>Set: a person's unread notice ids.</summary>
    public string Unread(string user) => keys.Tagged($"user:{user}", "inbox:unread");

    /// <summary>Pub/sub channel of <see cref="InboxChange"/>s, heard by every instance.</summary>
    public string InboxChanges => keys.Shared("notify:inbox-changes");
}
