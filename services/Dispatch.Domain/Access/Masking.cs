using System.Text.RegularExpressions;

namespace Dispatch.Domain;

/// <summary>
/// Personal-privacy protection for the scenarios that carry personal data (精准救助, 群租治理): for people whose role
/// does not need it, names keep their first character, phone and ID numbers keep only their ends, and positions
/// are coarsened to about a hundred metres, so an exact address cannot be read off the map.
/// </summary>
public static partial class Masking
{
    /// <summary>Decimal places kept of a masked position: 3 places is about 110 m of latitude.</summary>
    private const int CoarseDecimals = 3;

    /// <summary>Whether the incident's scenario carries personal data and this person must see it masked.</summary>
    public static bool Applies(Principal who, Incident incident, Catalog catalog) =>
        !Access.SeesPersonalData(who) && catalog.FindScenario(incident.Scenario) is { PersonalData: true };

    public static Incident Mask(Incident incident) => incident with
    {
        Reporter = Mask(incident.Reporter),
        Description = Text(incident.Description),
        Location = Coarse(incident.Location),
        Evaluation = incident.Evaluation is { Comment: { } comment } evaluation ? evaluation with { Comment = Text(comment) } : incident.Evaluation,
    };

    /// <summary>Masks what an event of the timeline says about people and places.</summary>
    public static IncidentEvent Mask(IncidentEvent e)
    {
        var masked = e switch
        {
            IncidentReported r => r with { Reporter = Mask(r.Reporter), Description = Text(r.Description), Location = Coarse(r.Location) },
            ResultSubmitted s => s with { Note = s.Note is null ? null : Text(s.Note), Location = Coarse(s.Location) },
            ArrivedOnSite a => a with { Location = Coarse(a.Location) },
            NoteAdded n => n with { Text = Text(n.Text) },
            IncidentClosed c when c.Evaluation.Comment is { } comment => c with { Evaluation = c.Evaluation with { Comment = Text(comment) } },
            _ => e,
        };
        return masked with { Reason = e.Reason is null ? null : Text(e.Reason) };
    }

    public static Reporter? Mask(Reporter? reporter) =>
        reporter is null ? null : new Reporter(Name(reporter.Name), reporter.Phone is null ? null : Digits(reporter.Phone));

    /// <summary>张三丰 → 张**; Alice Smith → A**********.</summary>
    public static string Name(string name) =>
        name.Length <= 1 ? "*" : string.Concat(name.AsSpan(0, 1), new string('*', name.Length - 1));

    /// <summary>Free text with every run of 6 or more digits (phone, ID and account numbers) masked but its first 3 and last 2.</summary>
    public static string Text(string text) => LongNumber().Replace(text, m => Digits(m.Value));

    /// <summary>13812345678 → 138******78.</summary>
    public static string Digits(string digits) =>
        digits.Length <= 5 ? new string('*', digits.Length)
        : string.Concat(digits.AsSpan(0, 3), new string('*', digits.Length - 5), digits.AsSpan(digits.Length - 2));

    public static GeoPoint? Coarse(GeoPoint? p) =>
        p is { } point ? new GeoPoint(Math.Round(point.Lat, CoarseDecimals), Math.Round(point.Lon, CoarseDecimals)) : null;

    /// <summary>Digits with the letter X that ends a Chinese ID number.</summary>
    [GeneratedRegex(@"\d{6,}[\dXx]?")]
    private static partial Regex LongNumber();
}
