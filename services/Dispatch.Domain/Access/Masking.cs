using System.Text;
using System.Text.RegularExpressions;

namespace Dispatch.Domain;

/// <summary>
/// Personal-privacy protection. For people whose role does not need personal data (auditors, administrators):
/// <list type="bullet">
/// <item>in every scenario, the reporter (a hotline caller, a citizen) is masked: the name keeps its first character
/// and the phone only its ends, wherever they occur: the reporter's own fields and every free text (description,
/// notes, reasons, results, the evaluation's comment, urges);</item>
/// <item>in the scenarios that carry personal data (精准救助, 群租治理), also every long number in free text (phone, ID
/// and account numbers) keeps only its ends, and positions are coarsened to about a hundred metres, so an exact
/// address cannot be read off the map.</item>
/// </list>
/// <see cref="For(Principal, Incident, Catalog)"/> gives the incident as a person may see it.
/// </summary>
public static partial class Masking
{
    /// <summary>Decimal places kept of a masked position: 3 places is about 110 m of latitude.</summary>
    private const int CoarseDecimals = 3;

    /// <summary>
    /// Whether the incident's scenario carries personal data and this person must see it masked whole: numbers in its
    /// texts, its positions, and its photos (which cannot be masked, so are not shown).
    /// </summary>
    public static bool Applies(Principal who, Incident incident, Catalog catalog) =>
        !Access.SeesPersonalData(who) && catalog.FindScenario(incident.Scenario) is { PersonalData: true };

    /// <summary>Whether this person sees reporters masked: in every scenario, unless the role handles cases.</summary>
    public static bool HidesReporter(Principal who) => !Access.SeesPersonalData(who);

    /// <summary>
    /// The incident as this person may see it: unchanged for the roles that handle cases; otherwise masked whole in
    /// a personal-data scenario (<see cref="Applies"/>), and elsewhere with its reporter masked.
    /// </summary>
    public static Incident For(Principal who, Incident incident, Catalog catalog) =>
        Applies(who, incident, catalog) ? Mask(incident)
        : HidesReporter(who) ? MaskReporter(incident)
        : incident;

    /// <summary>
    /// The incident's timeline as this person may see it, masked as <see cref="For(Principal, Incident, Catalog)"/>
    /// masks the incident.
    /// </summary>
    public static IReadOnlyList<IncidentEvent> For(
        Principal who,
        Incident incident,
        IEnumerable<IncidentEvent> timeline,
        Catalog catalog
    ) =>
        Applies(who, incident, catalog) ? Mask(timeline)
        : HidesReporter(who) ? MaskReporter(timeline)
        : [.. timeline];

    /// <summary>
    /// The incident with only its reporter masked, in the reporter's fields and in its texts: what a role without the
    /// need to know sees of a scenario without personal data.
    /// </summary>
    public static Incident MaskReporter(Incident incident) =>
        incident with
        {
            Reporter = Mask(incident.Reporter),
            Description = ReporterIn(incident.Description, incident.Reporter),
            Evaluation = incident.Evaluation is { Comment: { } comment } evaluation
                ? evaluation with
                {
                    Comment = ReporterIn(comment, incident.Reporter),
                }
                : incident.Evaluation,
        };

    /// <summary>A whole timeline with only the reporter its report names masked, in every event's texts.</summary>
    public static IReadOnlyList<IncidentEvent> MaskReporter(IEnumerable<IncidentEvent> timeline)
    {
        var events = timeline.ToList();
        var reporter = events.OfType<IncidentReported>().FirstOrDefault()?.Reporter;
        return [.. events.Select(e => Mask(e, reporter, whole: false))];
    }

    /// <summary>The incident as one without the need to know sees it; its reporter masked in its texts too.</summary>
    public static Incident Mask(Incident incident) =>
        incident with
        {
            Reporter = Mask(incident.Reporter),
            Description = Text(incident.Description, incident.Reporter),
            Location = Coarse(incident.Location),
            Evaluation = incident.Evaluation is { Comment: { } comment } evaluation
                ? evaluation with
                {
                    Comment = Text(comment, incident.Reporter),
                }
                : incident.Evaluation,
        };

    /// <summary>
    /// Masks what an event of the timeline says about people and places. <paramref name="reporter"/> is the incident's
    /// reporter (unmasked), whose name and phone are masked in the event's texts; only the report itself carries it,
    /// so pass the incident's (or use <see cref="Mask(IEnumerable{IncidentEvent})"/> for a whole timeline).
    /// </summary>
    public static IncidentEvent Mask(IncidentEvent e, Reporter? reporter) => Mask(e, reporter, whole: true);

    /// <summary>An event masked whole (<paramref name="whole"/>), or with only its texts' reporter masked.</summary>
    private static IncidentEvent Mask(IncidentEvent e, Reporter? reporter, bool whole)
    {
        string Masked(string text, Reporter? who) => whole ? Text(text, who) : ReporterIn(text, who);
        GeoPoint? Place(GeoPoint? p) => whole ? Coarse(p) : p;
        string? Free(string? text) => text is null ? null : Masked(text, reporter);
        var masked = e switch
        {
            IncidentReported r => r with
            {
                Reporter = Mask(r.Reporter),
                Description = Masked(r.Description, reporter ?? r.Reporter),
                Location = Place(r.Location),
            },
            ResultSubmitted s => s with { Note = Free(s.Note), Location = Place(s.Location) },
            ArrivedOnSite a => a with { Location = Place(a.Location) },
            NoteAdded n => n with { Text = Masked(n.Text, reporter) },
            IncidentUrged u => u with { Text = Masked(u.Text, reporter) },
            IncidentClosed c when c.Evaluation.Comment is { } comment => c with
            {
                Evaluation = c.Evaluation with { Comment = Masked(comment, reporter) },
            },
            _ => e,
        };
        return masked with { Reason = Free(e.Reason) };
    }

    /// <summary>A whole timeline masked, with the reporter its report names.</summary>
    public static IReadOnlyList<IncidentEvent> Mask(IEnumerable<IncidentEvent> timeline)
    {
        var events = timeline.ToList();
        var reporter = events.OfType<IncidentReported>().FirstOrDefault()?.Reporter;
        return [.. events.Select(e => Mask(e, reporter))];
    }

    public static Reporter? Mask(Reporter? reporter) =>
        reporter is null
            ? null
            : new Reporter(Name(reporter.Name), reporter.Phone is null ? null : Digits(reporter.Phone));

    /// <summary>张三丰 → 张**; Alice Smith → A**********.</summary>
    public static string Name(string name) =>
        name.Length <= 1 ? "*" : string.Concat(name.AsSpan(0, 1), new string('*', name.Length - 1));

    /// <summary>
    /// Free text with every run of 6 or more digits (phone, ID and account numbers) masked but its first 3 and last 2.
    /// </summary>
    public static string Text(string text) => LongNumber().Replace(text, m => Digits(m.Value));

    /// <summary>
    /// Free text with the reporter's name and phone masked wherever they occur, then every long number as in
    /// <see cref="Text(string)"/>. The name is masked whole (张三丰 → 张**), and so are its parts that could name the
    /// person alone: the given name of a Chinese name of three or more characters (三丰 → **), and each word of three
    /// or more letters of a name in Latin script. The phone is found with or without spaces, dashes or dots between
    /// its digits.
    /// </summary>
    public static string Text(string text, Reporter? reporter) => Text(ReporterIn(text, reporter));

    /// <summary>
    /// Free text with the reporter's name and phone masked wherever they occur (as <see cref="Text(string, Reporter)"/>
    /// masks them), and nothing else: other numbers stay as written.
    /// </summary>
    public static string ReporterIn(string text, Reporter? reporter)
    {
        if (reporter is null)
            return text;
        foreach (var (part, masked) in NameParts(reporter.Name))
            text = text.Replace(part, masked, StringComparison.OrdinalIgnoreCase);
        if (PhonePattern(reporter.Phone) is { } phone)
            text = phone.Replace(text, m => Digits(string.Concat(m.Value.Where(char.IsAsciiDigit))));
        return text;
    }

    /// <summary>13812345678 → 138******78.</summary>
    public static string Digits(string digits) =>
        digits.Length <= 5
            ? new string('*', digits.Length)
            : string.Concat(digits.AsSpan(0, 3), new string('*', digits.Length - 5), digits.AsSpan(digits.Length - 2));

    public static GeoPoint? Coarse(GeoPoint? p) =>
        p is { } point
            ? new GeoPoint(Math.Round(point.Lat, CoarseDecimals), Math.Round(point.Lon, CoarseDecimals))
            : null;

    /// <summary>
    /// The whole name, then its parts that name the person alone, longest first, each with its masked form: a
    /// Chinese given name is masked whole (the surname alone is what the masked name keeps).
    /// </summary>
    private static IEnumerable<(string Part, string Masked)> NameParts(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return [];
        var whole = name.Trim();
        var parts = new List<(string, string)> { (whole, Name(whole)) };
        if (whole.Any(c => c >= 0x2E80))
        {
            if (whole.Length >= 3)
                parts.Add((whole[1..], new string('*', whole.Length - 1)));
        }
        else
        {
            parts.AddRange(
                whole
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(w => w.Length >= 3)
                    .Select(w => (w, Name(w)))
            );
        }
        return parts.DistinctBy(p => p.Item1).OrderByDescending(p => p.Item1.Length);
    }

    /// <summary>The phone's digits, with a space, dash or dot allowed between them; null for a short number.</summary>
    private static Regex? PhonePattern(string? phone)
    {
        var digits = string.Concat((phone ?? "").Where(char.IsAsciiDigit));
        if (digits.Length < 5)
            return null;
        var pattern = new StringBuilder();
        foreach (var d in digits)
            pattern.Append(pattern.Length == 0 ? "" : @"[\s\-.]?").Append(d);
        return new Regex(pattern.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>Digits with the letter X that ends a Chinese ID number.</summary>
    [GeneratedRegex(@"\d{6,}[\dXx]?")]
    private static partial Regex LongNumber();
}
