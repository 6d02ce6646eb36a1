using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Api.Open311;

/// <summary>What a place of the gazetteer is: one of the district's streets and towns, a road, or a landmark.</summary>
public enum PlaceKind
{
    Street,
    Road,
    Landmark,
}

/// <summary>A named place of the district: where it is (roughly) and the street or town (街镇) it lies in.</summary>
public sealed record Place(string Id, PlaceKind Kind, string Zh, string En, GeoPoint Position, string Street);

/// <summary>The gazetteer file is inconsistent; the message names each entry at fault.</summary>
public sealed class GazetteerException(string file, IReadOnlyList<string> problems)
    : Exception($"{file} is inconsistent:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));

/// <summary>
/// The district's streets, towns, roads and landmarks by name (<c>gazetteer.json</c> beside the catalog), to
/// locate an Open311 request that gives an <c>address_string</c> (or an <c>address_id</c>) instead of lat and
/// long. A text is located by the names and aliases of places that occur in it, after both are normalised
/// (<see cref="Normalise"/>): a name found only inside a longer one found does not count; of the others a
/// landmark beats a road, which beats a street or town, then the longer name wins, then the one named first.
/// </summary>
public sealed class Gazetteer
{
    public const string FileName = "gazetteer.json";

    /// <summary>Normalised names shorter than this would match by accident (one character of an address).</summary>
    private const int MinNameLength = 2;

    private readonly IReadOnlyList<(string Name, Place Place)> _names;
    private readonly FrozenDictionary<string, Place> _byId;

    private Gazetteer(IReadOnlyList<(string Name, Place Place)> names, IEnumerable<Place> places)
    {
        _names = names;
        _byId = places.ToFrozenDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
    }

    public IEnumerable<Place> Places => _byId.Values;

    /// <summary>The place an <c>address_id</c> names (its id, in any case), or null.</summary>
    public Place? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The most specific place named in <paramref name="text"/>, or null when it names none.</summary>
    public Place? Locate(string text)
    {
        var normalised = Normalise(text);
        var found = new List<(int Start, int End, Place Place)>();
        foreach (var (name, place) in _names)
            for (
                var at = normalised.IndexOf(name, StringComparison.Ordinal);
                at >= 0;
                at = normalised.IndexOf(name, at + 1, StringComparison.Ordinal)
            )
                found.Add((at, at + name.Length, place));
        // 长寿路 inside 长寿路街道 is part of the longer name, not a mention of the road.
        return found
            .Where(m => !found.Any(o => o.End - o.Start > m.End - m.Start && o.Start <= m.Start && m.End <= o.End))
            .OrderBy(m => Specificity(m.Place.Kind))
            .ThenByDescending(m => m.End - m.Start)
            .ThenBy(m => m.Start)
            .Select(m => m.Place)
            .FirstOrDefault();
    }

    /// <summary>
    /// Letters and digits only, compatibility-folded and in lower case: full-width and half-width forms, case,
    /// spaces and punctuation do not matter (<c>长寿路 １００号</c>, <c>Changshou Rd.</c>).
    /// </summary>
    public static string Normalise(string text)
    {
        var kept = new StringBuilder(text.Length);
        foreach (var rune in text.Normalize(NormalizationForm.FormKC).EnumerateRunes())
            if (Rune.IsLetterOrDigit(rune))
                kept.Append(Rune.ToLowerInvariant(rune).ToString());
        return kept.ToString();
    }

    /// <summary>Loads the gazetteer in <paramref name="folder"/>, checked against the catalog.</summary>
    public static Gazetteer Load(string folder, Catalog catalog)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"no {FileName} beside the catalog in {folder}: Open311 cannot locate addresses",
                path
            );
        GazetteerDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<GazetteerDto>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new GazetteerException(FileName, [$"is not valid JSON: {e.Message}"]);
        }
        var problems = new List<string>();
        var places = new List<(Place Place, IReadOnlyList<string> Names)>();
        foreach (var (entry, index) in (dto?.Places ?? []).Select((p, i) => (p, i)))
            if (Check(entry, $"places[{index}]", catalog, problems) is { } place)
                places.Add((place, [entry.Zh!, entry.En!, .. entry.Aliases ?? []]));
        if (places.Count == 0)
            problems.Add("places: none");
        var ids = places.GroupBy(p => p.Place.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var twice in ids.Where(g => g.Count() > 1))
            problems.Add($"places '{twice.Key}': the id is used {twice.Count()} times");
        var names = places
            .SelectMany(p => p.Names.Select(Normalise).Distinct().Select(name => (Name: name, p.Place)))
            .ToList();
        foreach (var shared in names.GroupBy(n => n.Name).Where(g => g.Select(n => n.Place.Id).Distinct().Count() > 1))
            problems.Add($"the name '{shared.Key}' belongs to {string.Join(" and ", shared.Select(n => n.Place.Id))}");
        foreach (var (name, place) in names.Where(n => n.Name.Length < MinNameLength))
            problems.Add($"places '{place.Id}': the name '{name}' is shorter than {MinNameLength} letters");
        if (problems.Count > 0)
            throw new GazetteerException(FileName, problems);
        return new Gazetteer(names, places.Select(p => p.Place));
    }

    private static int Specificity(PlaceKind kind) =>
        kind switch
        {
            PlaceKind.Landmark => 0,
            PlaceKind.Road => 1,
            _ => 2,
        };

    private static Place? Check(PlaceDto entry, string at, Catalog catalog, List<string> problems)
    {
        var before = problems.Count;
        var where = entry.Id is { Length: > 0 } id ? $"places '{id}'" : at;
        if (entry.Id is not { Length: > 0 })
            problems.Add($"{at}: id is missing");
        if (!Enum.TryParse<PlaceKind>(entry.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            problems.Add($"{where}: kind '{entry.Kind}' is not street, road or landmark");
        if (entry.Zh is not { Length: > 0 } || entry.En is not { Length: > 0 })
            problems.Add($"{where}: needs zh and en");
        var street = entry.Street is null ? null : catalog.FindStreet(entry.Street);
        if (entry.Street is not null && street is null)
            problems.Add($"{where}: street '{entry.Street}' is not in the catalog");
        GeoPoint? position = entry.Position is { } p ? new GeoPoint(p.Lat, p.Lon) : street?.Centre;
        if (position is not { } point)
            problems.Add($"{where}: needs a position or a street");
        else if (!point.IsValid || !catalog.District.Bounds.Contains(point))
            problems.Add($"{where}: ({point.Lat}, {point.Lon}) is outside {catalog.District.En}");
        if (problems.Count > before)
            return null;
        var located = position!.Value;
        var lies = street ?? catalog.Streets.MinBy(s => s.Centre.MetresTo(located))!;
        return new Place(entry.Id!, kind, entry.Zh!, entry.En!, located, lies.Code);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record GazetteerDto(string? About, List<PlaceDto>? Places);

    private sealed record PlaceDto(
        string? Id,
        string? Kind,
        string? Zh,
        string? En,
        List<string>? Aliases,
        string? Street,
        PositionDto? Position
    );

    private sealed record PositionDto(double Lat, double Lon);
}
