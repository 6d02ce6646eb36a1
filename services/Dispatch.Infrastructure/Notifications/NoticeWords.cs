using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// A notice's words for people, in both languages, from the domain's labels and the catalog's names: what happened
/// (the topic, with the stage of a deadline), to which incident (type, street, number), and, for an escalated notice,
/// who left it unacknowledged. Programs read the notice's typed fields, never these words.
/// </summary>
public static class NoticeWords
{
    public static Label Of(NoticeState state, Catalog catalog)
    {
        var notice = state.Notice;
        var topic = Labels.Of(notice.Topic);
        var type = catalog.FindType(state.Subject.Type);
        var street = catalog.FindStreet(state.Subject.Street);
        var (whatZh, whatEn) = notice.Stage is { } stage
            ? ($"{topic.Zh}（{Labels.Of(stage).Zh}）", $"{topic.En} ({Labels.Of(stage).En})")
            : (topic.Zh, topic.En);
        var subject = state.Subject;
        var zh = $"{whatZh}：{type?.Zh ?? subject.Type}（{street?.Zh ?? subject.Street}）{subject.Number}";
        var en = $"{whatEn}: {type?.En ?? subject.Type} ({street?.En ?? subject.Street}) {subject.Number}";
        if (state.EscalatedFromRecipient is { } from)
        {
            var role = Labels.Of(from.Role);
            zh = $"【升级】{role.Zh}未确认 · {zh}";
            en = $"Escalated, not acknowledged by the {role.En.ToLowerInvariant()}: {en}";
        }
        return new Label(zh, en);
    }
}
