namespace Dispatch.Domain;

/// <summary>
/// Loads <c>notifications.json</c> from the catalog folder and checks it: known topics, roles, units, priorities and
/// urgencies; wall-clock allowances; a chain of distinct roles ending with one that needs no unit; a rule for every
/// topic that applies to every unit and priority (so no event goes untold by omission), and no two rules for the same
/// topic and scope; named users who are on the roster, when a roster is given. Every problem names the file and entry.
/// </summary>
public static class NotificationPolicyLoader
{
    public const string PolicyFile = "notifications.json";

    public static NotificationPolicy Load(string directory, Catalog catalog, DutyRoster? roster = null)
    {
        var problems = new List<CatalogProblem>();
        var dto = CatalogLoader.Read<PolicyDto>(directory, PolicyFile, problems);
        if (dto is null)
            throw new CatalogException(problems);
        void Fail(string entry, string problem) => problems.Add(new CatalogProblem(PolicyFile, entry, problem));

        if (string.IsNullOrWhiteSpace(dto.Version))
            Fail("version", "is missing");
        var chain = (dto.Chain ?? [])
            .Select((r, i) => Parse<NoticeRole>(r, $"chain[{i}]", Fail))
            .OfType<NoticeRole>()
            .ToList();
        if (chain.Count == 0)
            Fail("chain", "is missing: name the escalation chain, e.g. assignee, dutyOfficer, unitHead");
        if (chain.Distinct().Count() != chain.Count)
            Fail("chain", "names a role twice");
        if (chain.Contains(NoticeRole.User))
            Fail("chain", "a chain is of roles; name users in a rule's users");
        if (chain.Count > 0 && chain[^1] is NoticeRole.Assignee or NoticeRole.DutyOfficer or NoticeRole.UnitHead)
            Fail("chain", "must end with a role that needs no unit (districtDutyLeader, dispatchers or reviewers)");

        var escalate = new Dictionary<Priority, Allowance>();
        foreach (var (name, text) in dto.EscalateUnacknowledged ?? [])
        {
            var entry = $"escalateUnacknowledged.{name}";
            if (Parse<Priority>(name, entry, Fail) is { } p && WallAllowance(text, entry, Fail) is { } a)
                escalate[p] = a;
        }

        var rules = new List<NoticeRule>();
        foreach (var (r, i) in (dto.Rules ?? []).Select((r, i) => (r, i)))
        {
            var entry = $"rules[{i}]";
            var topic = Parse<NoticeTopic>(r.On, $"{entry}.on", Fail);
            var units = r.Units ?? [];
            foreach (var unit in units.Where(u => catalog.FindUnit(u) is null))
                Fail($"{entry}.units", $"unknown unit '{unit}'");
            var priorities = (r.Priorities ?? [])
                .Select(p => Parse<Priority>(p, $"{entry}.priorities", Fail))
                .OfType<Priority>()
                .ToList();
            var notify = (r.Notify ?? [])
                .Select(n => Parse<NoticeRole>(n, $"{entry}.notify", Fail))
                .OfType<NoticeRole>()
                .ToList();
            if (notify.Contains(NoticeRole.User))
                Fail($"{entry}.notify", "name users in users, not as a role");
            var users = r.Users ?? [];
            foreach (var user in users)
            {
                if (string.IsNullOrWhiteSpace(user))
                    Fail($"{entry}.users", "names an empty user");
                else if (roster is not null && roster.Find(user) is null)
                    Fail($"{entry}.users", $"unknown person '{user}'");
            }
            var urgency = r.Urgency is null ? null : Parse<NoticeUrgency>(r.Urgency, $"{entry}.urgency", Fail);
            var limit = r.EscalateAfter is null ? null : WallAllowance(r.EscalateAfter, $"{entry}.escalateAfter", Fail);
            if (topic is not { } on)
                continue;
            var rule = new NoticeRule(on, units, priorities, notify, users, urgency, limit);
            if (
                rules.FirstOrDefault(x =>
                    x.On == on
                    && x.Units.Order().SequenceEqual(units.Order())
                    && x.Priorities.Order().SequenceEqual(priorities.Order())
                )
                is not null
            )
                Fail(entry, $"a rule for {On(on)} with the same units and priorities comes before it");
            rules.Add(rule);
        }
        foreach (
            var topic in Enum.GetValues<NoticeTopic>().Where(t => !rules.Any(r => r.On == t && r.Specificity == 0))
        )
            Fail("rules", $"no rule for {On(topic)} that applies to every unit and priority");

        if (problems.Count > 0)
            throw new CatalogException(problems);
        return new NotificationPolicy(catalog, rules, chain, escalate);
    }

    /// <summary>A topic as the file names it: <c>deadlineOverdue</c>.</summary>
    private static string On(NoticeTopic topic) => char.ToLowerInvariant(topic.ToString()[0]) + topic.ToString()[1..];

    private static T? Parse<T>(string? text, string entry, Action<string, string> fail)
        where T : struct, Enum
    {
        // A number parses as an enum value too: only names count.
        if (
            Enum.TryParse<T>(text, ignoreCase: true, out var value)
            && Enum.IsDefined(value)
            && !int.TryParse(text, out _)
        )
            return value;
        var names = Enum.GetNames<T>()
            .Select(n => typeof(T) == typeof(Priority) ? n : char.ToLowerInvariant(n[0]) + n[1..]);
        fail(entry, $"'{text}' is not one of {string.Join(", ", names)}");
        return null;
    }

    private static Allowance? WallAllowance(string? text, string entry, Action<string, string> fail)
    {
        if (Allowance.TryParse(text, out var a) && a.Kind == ClockKind.Wall)
            return a;
        fail(entry, $"'{text}' is not a wall-clock allowance (e.g. 3m, 15m, 1h)");
        return null;
    }

    private sealed record PolicyDto(
        string? Version,
        List<string>? Chain,
        Dictionary<string, string>? EscalateUnacknowledged,
        List<RuleDto>? Rules
    );

    private sealed record RuleDto(
        string? On,
        List<string>? Units,
        List<string>? Priorities,
        List<string>? Notify,
        List<string>? Users,
        string? Urgency,
        string? EscalateAfter
    );
}
