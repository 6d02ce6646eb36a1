using Dispatch.Infrastructure.Notifications;
using Google.Protobuf.WellKnownTypes;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Notifications;

/// <summary>Between the notifications' records and the API's messages.</summary>
public static class NotificationMapping
{
    private static Timestamp? Time(DateTimeOffset? at) => at is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    public static V1.Notification ToProto(this InboxNotice n) =>
        new()
        {
            Id = n.Id,
            NoticeId = n.Notice,
            Incident = n.Incident,
            Topic = n.Topic.ToString(),
            Urgency = n.Urgency.ToString(),
            RecipientRole = n.To.Role.ToString(),
            Unit = n.Unit ?? "",
            Stage = n.Stage?.ToString() ?? "",
            TitleZh = n.Words.Zh,
            TitleEn = n.Words.En,
            EventTime = Time(n.EventAt),
            DeliveredTime = Time(n.DeliveredAt),
            Read = n.Read,
            Acknowledged = n.AcknowledgedAt is not null,
            AcknowledgedBy = n.AcknowledgedBy ?? "",
            AcknowledgedTime = Time(n.AcknowledgedAt),
            NeedsAcknowledgement = n.Escalates,
            EscalatedFromRole = n.EscalatedFrom?.Role.ToString() ?? "",
        };

    public static V1.Delivery ToProto(this DeliveryRecord d) =>
        new()
        {
            Id = d.Id,
            NoticeId = d.Notice,
            Topic = d.Topic.ToString(),
            Urgency = d.Urgency.ToString(),
            RecipientRole = d.To.Role.ToString(),
            RecipientUnit = d.To.Unit ?? "",
            RecipientUser = d.To.UserId ?? "",
            Channel = d.Channel.ToString(),
            Target = d.Target,
            Status = d.Status.ToString(),
            EventTime = Time(d.EventAt),
            QueuedTime = Time(d.QueuedAt),
            SentTime = Time(d.SentAt),
            AcknowledgedTime = Time(d.AcknowledgedAt),
            AcknowledgedBy = d.AcknowledgedBy ?? "",
            Calls = d.Calls,
            Rounds = d.Rounds,
            Failure = d.Failure?.ToString() ?? "",
            Error = d.Error ?? "",
            NextAttemptTime = Time(d.NextAttemptAt),
            EscalatedFrom = d.EscalatedFrom ?? "",
            LatencyMs = d.SentAt is { } sent ? (long)(sent - d.EventAt).TotalMilliseconds : 0,
        };
}
