using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// How notices are delivered (section <c>Notifications</c>): whether this instance runs the notifier and the sweeper,
/// the in-app inbox's size, the claim lease, the rounds a failed webhook delivery gets, the webhook pipeline, and the
/// outbound webhooks. Every instance of a deployment must be configured alike: any of them may deliver any notice.
/// </summary>
public sealed class NotificationOptions
{
    /// <summary>
    /// Whether this instance reads the event stream and sweeps retries and escalations (the inbox is served either
    /// way).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many notices each person's inbox keeps; the oldest go first.</summary>
    public int InboxCapacity { get; set; } = 200;

    /// <summary>
    /// How long a claimed delivery or a claimed escalation is held by the instance that claimed it; when the lease
    /// runs out unfinished (the instance died), another instance takes it over. Longer than one webhook send with all
    /// its retries.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each instance looks for due retries and escalations.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The wait before a failed webhook delivery is taken up again; it doubles each round up to
    /// <see cref="MaxRetryAfter"/>.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two rounds of a failing webhook delivery.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many rounds (each with the pipeline's own retries) a webhook delivery gets before it stays failed.
    /// </summary>
    public int MaxRounds { get; set; } = 8;

    /// <summary>
    /// Events older than this when the notifier reads them cause no notice: a notifier started on a store with a long
    /// history, or back after a long outage, does not wake people for what is long past.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// How long an incident's notices, delivery records and the notifier's view of it are kept after their last change.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The resilience pipeline of every webhook (each webhook has its own circuit).</summary>
    public WebhookPipelineOptions Pipeline { get; set; } = new();

    /// <summary>The outbound webhooks (<c>Notifications:Webhooks</c>).</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];
}

/// <summary>What an outbound webhook receives.</summary>
public enum WebhookKind
{
    /// <summary>
    /// The notice as JSON, signed with HMAC-SHA256 over the body (<c>X-Dispatch-Signature: sha256=…</c>).
    /// </summary>
    Json,

    /// <summary>
    /// A group robot of an instant-messaging app (企业微信/钉钉 style):
    /// <c>{"msgtype":"markdown","markdown":{"content":…}}</c>,
    /// with <c>timestamp</c> and <c>sign</c> query parameters when a secret is set.
    /// </summary>
    GroupRobot,
}

/// <summary>One outbound webhook: where, what kind, its secret, and which notices it wants.</summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// A short name, unique among the webhooks: it names the webhook's circuit and its delivery records.
    /// </summary>
    public string Name { get; set; } = "";

    /// <summary>The absolute http(s) URL notices are posted to.</summary>
    public string Url { get; set; } = "";

    public WebhookKind Kind { get; set; } = WebhookKind.Json;

    /// <summary>
    /// The shared secret: required for <see cref="WebhookKind.Json"/>; for a group robot, the robot's signing secret if
    /// it has one.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>Only notices concerning these units (none: all).</summary>
    public List<string> Units { get; set; } = [];

    /// <summary>Only notices at least this urgent (none: all).</summary>
    public NoticeUrgency? MinUrgency { get; set; }

    /// <summary>Whether this webhook wants <paramref name="notice"/>.</summary>
    public bool Wants(Notice notice) =>
        (Units.Count == 0 || (notice.Unit is { } unit && Units.Contains(unit)))
        && (MinUrgency is not { } least || notice.Urgency >= least);
}

/// <summary>
/// The pipeline every webhook send goes through: per-attempt timeout, retries with backoff and jitter, a circuit per
/// webhook.
/// </summary>
public sealed class WebhookPipelineOptions
{
    /// <summary>How long one HTTP attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries within one round, after the first attempt.</summary>
    public int Retries { get; set; } = 3;

    /// <summary>The first retry's delay; exponential with jitter after it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the circuit stays open, sending nothing to the webhook, once it broke.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The share of failed attempts within <see cref="SamplingDuration"/> that breaks the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>How many attempts within <see cref="SamplingDuration"/> the breaker needs before it judges.</summary>
    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>What is wrong with one setting (its full name, e.g. <c>Notifications:Webhooks:0:Secret</c>).</summary>
public sealed record SettingProblem(string Setting, string Problem)
{
    public override string ToString() => $"{Setting}: {Problem}";
}

/// <summary>The problems of a notification configuration, each naming its setting; none when it is sound.</summary>
public static class NotificationOptionsRules
{
    public static IReadOnlyList<SettingProblem> Check(NotificationOptions options, Catalog catalog)
    {
        var problems = new List<SettingProblem>();
        void No(string setting, string problem) =>
            problems.Add(new SettingProblem($"Notifications:{setting}", problem));
        if (options.InboxCapacity is < 1 or > 10_000)
            No("InboxCapacity", "must lie between 1 and 10000");
        if (options.Lease < TimeSpan.FromSeconds(1))
            No("Lease", "must be at least a second");
        if (options.SweepInterval <= TimeSpan.Zero)
            No("SweepInterval", "must be positive");
        if (options.RetryAfter <= TimeSpan.Zero || options.MaxRetryAfter < options.RetryAfter)
            No("RetryAfter", "must be positive and not above MaxRetryAfter");
        if (options.MaxRounds < 1)
            No("MaxRounds", "must be at least 1");
        var pipeline = options.Pipeline;
        if (pipeline.Timeout <= TimeSpan.Zero)
            No("Pipeline:Timeout", "must be positive");
        if (pipeline.Retries < 0)
            No("Pipeline:Retries", "must not be negative");
        if (pipeline.BreakDuration < TimeSpan.FromMilliseconds(500))
            No("Pipeline:BreakDuration", "must be at least 500 ms");
        if (pipeline.FailureRatio is <= 0 or > 1)
            No("Pipeline:FailureRatio", "must lie in (0, 1]");
        if (pipeline.MinimumThroughput < 2)
            No("Pipeline:MinimumThroughput", "must be at least 2");
        if (pipeline.SamplingDuration < TimeSpan.FromMilliseconds(500))
            No("Pipeline:SamplingDuration", "must be at least 500 ms");
        var worst = pipeline.Timeout * (pipeline.Retries + 1) + pipeline.RetryDelay * Math.Pow(2, pipeline.Retries + 1);
        if (worst >= options.Lease)
            No("Lease", $"must outlast one webhook round (timeout × attempts + backoff ≈ {worst.TotalSeconds:0} s)");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (hook, i) in options.Webhooks.Select((h, i) => (h, i)))
        {
            var at = $"Webhooks:{i}";
            if (
                string.IsNullOrWhiteSpace(hook.Name)
                || hook.Name.Length > 64
                || !hook.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            )
                No($"{at}:Name", "is required: up to 64 letters, digits, '-', '_' or '.'");
            else if (!names.Add(hook.Name))
                No($"{at}:Name", $"'{hook.Name}' names two webhooks");
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                No($"{at}:Url", $"'{hook.Url}' is not an absolute http or https URL");
            if (!Enum.IsDefined(hook.Kind))
                No($"{at}:Kind", $"is not one of {string.Join(", ", Enum.GetNames<WebhookKind>())}");
            if (hook.Kind == WebhookKind.Json && hook.Secret.Length < 16)
                No($"{at}:Secret", "a JSON webhook is signed: give a secret of at least 16 characters");
            foreach (var unit in hook.Units.Where(u => catalog.FindUnit(u) is null))
                No($"{at}:Units", $"unknown unit '{unit}'");
        }
        return problems;
    }
}
