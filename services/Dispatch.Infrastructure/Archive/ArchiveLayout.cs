using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// The names of the archive's objects in the blob store:
/// <list type="bullet">
/// <item><c>{kind}/{yyyy-MM-dd}/{label}.{first id}.{last id}.part.ndjson.gz</c>: a part of a day's segment, written
/// once by the archiver (the stream ids of its first and last entry name it);</item>
/// <item><c>{kind}/{yyyy-MM-dd}/{label}.ndjson.gz</c>: the day's segment, once the day's parts are compacted into
/// it;</item>
/// <item><c>facts/{yyyy-MM-dd}/facts.{hash}.part.ndjson.gz</c> and <c>facts/{yyyy-MM-dd}/facts.ndjson.gz</c>: the
/// evaluation facts of the incidents reported that day that have left Redis;</item>
/// <item><c>incidents/{yyyy-MM-dd}/{number}.json.gz</c>: one incident that left Redis, whole;</item>
/// <item><c>evidence/sha256/{ab}/{sha256}</c> and <c>evidence/meta/{id}.json</c>: photos by content, and what each
/// upload of one was.</item>
/// </list>
/// Days are the district's (Asia/Shanghai); an entry's day is that of its stream id, an incident's that of its number.
/// </summary>
public static class ArchiveLayout
{
    public const string Suffix = ".ndjson.gz";
    private const string PartSuffix = ".part" + Suffix;

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The folder of a kind's day: every part and the segment of that day lie in it.</summary>
    public static string DayFolder(string kind, DateOnly day) => $"{kind}/{Day(day)}/";

    /// <summary>The prefix of a kind's month (<c>facts/2026-11-</c>): one listing for a month's days.</summary>
    public static string MonthPrefix(string kind, DateOnly day) =>
        $"{kind}/{day.ToString("yyyy-MM", CultureInfo.InvariantCulture)}-";

    public static string Part(string kind, DateOnly day, string label, StreamId first, StreamId last) =>
        $"{DayFolder(kind, day)}{label}.{first}.{last}{PartSuffix}";

    /// <summary>
    /// A facts part, named by the numbers it holds, so writing the same batch again writes the same object.
    /// </summary>
    public static string FactsPart(DateOnly day, IEnumerable<string> numbers) =>
        $"{DayFolder(ArchiveSources.Facts, day)}{ArchiveSources.Facts}."
        + Convert.ToHexStringLower(
            SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', numbers.Order(StringComparer.Ordinal))))
        )[..16]
        + PartSuffix;

    public static string Segment(string kind, DateOnly day, string label) => $"{DayFolder(kind, day)}{label}{Suffix}";

    public static bool IsPart(string name) => name.EndsWith(PartSuffix, StringComparison.Ordinal);

    /// <summary>The label a part or a segment belongs to (its file name up to the first dot).</summary>
    public static string LabelOf(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        return file[..file.IndexOf('.')];
    }

    /// <summary>The day of the folder a part or segment lies in.</summary>
    public static DateOnly? DayOf(string name) =>
        name.Split('/') is [_, var day, ..]
        && DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : null;

    /// <summary>
    /// Where an archived incident lies: by the report day in its number (<c>PT-20261129-000012</c>), or null when the
    /// text is no incident number (then no incident of that number was ever archived).
    /// </summary>
    public static string? Incident(string number)
    {
        if (number.Length is 0 or > 64 || !number.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            return null;
        var day =
            number.Split('-') is [_, var digits, _]
            && DateOnly.TryParseExact(digits, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? Day(d)
                : "undated";
        return $"incidents/{day}/{number}.json.gz";
    }

    public static string EvidenceContent(string sha256) => $"evidence/sha256/{sha256[..2]}/{sha256}";

    public static string EvidenceMeta(string id) => $"evidence/meta/{id}.json";
}
