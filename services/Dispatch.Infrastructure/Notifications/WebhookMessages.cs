using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// What a webhook receives for one delivery. A <see cref="WebhookKind.Json"/> webhook gets the notice as JSON with
/// <c>X-Dispatch-Delivery</c> (the delivery id, the same on every attempt: receivers drop a repeat by it),
/// <c>X-Dispatch-Timestamp</c> (Unix seconds, also in the body) and <c>X-Dispatch-Signature: sha256=&lt;hex&gt;</c>,
/// the HMAC-SHA256 of the exact body bytes under the webhook's secret; since the body carries the timestamp, the
/// signature covers it, and a receiver can refuse stale replays. A <see cref="WebhookKind.GroupRobot"/> gets a
/// markdown message in the form the group robots of government instant-messaging apps accept
/// (<c>{"msgtype":"markdown","markdown":{"content":"…"}}</c>), with <c>timestamp</c> (Unix ms) and <c>sign</c> query
/// parameters when the robot has a signing secret: Base64 of HMAC-SHA256 of <c>timestamp + "\n" + secret</c> under
/// the secret.
/// </summary>
public static class WebhookMessages
{
    public const string DeliveryHeader = "X-Dispatch-Delivery";
    public const string TimestampHeader = "X-Dispatch-Timestamp";
    public const string SignatureHeader = "X-Dispatch-Signature";

    public static HttpRequestMessage Request(
        WebhookOptions hook,
        NoticeState state,
        string deliveryId,
        Catalog catalog,
        DateTimeOffset now
    )
    {
        var (url, body) =
            hook.Kind == WebhookKind.GroupRobot
                ? (RobotUrl(hook, now), Encoding.UTF8.GetBytes(RobotBody(state, catalog)))
                : (hook.Url, Encoding.UTF8.GetBytes(JsonBody(state, deliveryId, catalog, now)));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(DeliveryHeader, deliveryId);
        if (hook.Kind == WebhookKind.Json)
        {
            request.Headers.Add(TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(SignatureHeader, Signature(hook.Secret, body));
        }
        return request;
    }

    /// <summary>
    /// The signature header's value for <paramref name="body"/>: <c>sha256=</c> and the lower-case hex HMAC.
    /// </summary>
    public static string Signature(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The group robot's <c>sign</c> for <paramref name="timestampMs"/> (before URL encoding).</summary>
    public static string RobotSign(string secret, long timestampMs) =>
        Convert.ToBase64String(
            HMACSHA256.HashData(
                Encoding.UTF8.GetBytes(secret),
                Encoding.UTF8.GetBytes($"{timestampMs.ToString(CultureInfo.InvariantCulture)}\n{secret}")
            )
        );

    private static string RobotUrl(WebhookOptions hook, DateTimeOffset now)
    {
        if (hook.Secret.Length == 0)
            return hook.Url;
        var timestamp = now.ToUnixTimeMilliseconds();
        var separator = hook.Url.Contains('?') ? '&' : '?';
        return $"{hook.Url}{separator}timestamp={timestamp.ToString(CultureInfo.InvariantCulture)}"
            + $"&sign={Uri.EscapeDataString(RobotSign(hook.Secret, timestamp))}";
    }

    private static string JsonBody(NoticeState state, string deliveryId, Catalog catalog, DateTimeOffset now)
    {
        var notice = state.Notice;
        var subject = state.Subject;
        var type = catalog.FindType(subject.Type);
        var street = catalog.FindStreet(subject.Street);
        return JsonSerializer.Serialize(
            new JsonMessage(
                deliveryId,
                now.ToUnixTimeSeconds(),
                new JsonNotice(
                    state.Id,
                    state.Key,
                    notice.Topic,
                    notice.Urgency,
                    notice.To,
                    notice.Unit,
                    notice.Stage,
                    state.People,
                    NoticeWords.Of(state, catalog),
                    state.EventAt,
                    state.EscalateAt is not null,
                    state.EscalatedFrom,
                    state.EscalatedFromRecipient
                ),
                new JsonIncident(
                    subject.Number,
                    subject.Type,
                    type is null ? null : new Label(type.Zh, type.En),
                    subject.Priority,
                    subject.Street,
                    street is null ? null : new Label(street.Zh, street.En),
                    subject.State
                )
            ),
            DispatchSerialization.Json
        );
    }

    private static string RobotBody(NoticeState state, Catalog catalog)
    {
        var notice = state.Notice;
        var subject = state.Subject;
        var words = NoticeWords.Of(state, catalog);
        var type = catalog.FindType(subject.Type);
        var street = catalog.FindStreet(subject.Street);
        var at = TimeZoneInfo.ConvertTime(state.EventAt, catalog.Calendar.TimeZone);
        var people = state.People.Count > 0 ? string.Join("、", state.People) : "—";
        var content = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"### 【{Labels.Of(notice.Urgency).Zh}】{words.Zh}\n")
            .Append(CultureInfo.InvariantCulture, $"> 案件：{subject.Number}\n")
            .Append(
                CultureInfo.InvariantCulture,
                $"> 类型：{type?.Zh ?? subject.Type}（{subject.Priority} {Labels.Of(subject.Priority).Zh}）\n"
            )
            .Append(CultureInfo.InvariantCulture, $"> 街镇：{street?.Zh ?? subject.Street}\n")
            .Append(CultureInfo.InvariantCulture, $"> 通知对象：{Labels.Of(notice.To.Role).Zh} {people}\n")
            .Append(CultureInfo.InvariantCulture, $"> 时间：{at:yyyy-MM-dd HH:mm:ss}\n")
            .ToString();
        return JsonSerializer.Serialize(
            new RobotMessage("markdown", new RobotMarkdown(content)),
            DispatchSerialization.Json
        );
    }

    private sealed record JsonMessage(string Delivery, long Timestamp, JsonNotice Notice, JsonIncident Incident);

    private sealed record JsonNotice(
        string Id,
        string Key,
        NoticeTopic Topic,
        NoticeUrgency Urgency,
        NoticeRecipient To,
        string? Unit,
        Stage? Stage,
        IReadOnlyList<string> People,
        Label Words,
        DateTimeOffset EventAt,
        bool Escalates,
        string? EscalatedFrom,
        NoticeRecipient? EscalatedFromRecipient
    );

    private sealed record JsonIncident(
        string Number,
        string Type,
        Label? TypeName,
        Priority Priority,
        string Street,
        Label? StreetName,
        IncidentState State
    );

    private sealed record RobotMessage(string Msgtype, RobotMarkdown Markdown);

    private sealed record RobotMarkdown(string Content);
}
