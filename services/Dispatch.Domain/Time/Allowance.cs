using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>How an allowance is counted: on the wall clock, or in working time of the calendar.</summary>
public enum ClockKind
{
    Wall,
    Working,
}

/// <summary>The unit of an <see cref="Allowance"/> as written in the catalog.</summary>
public enum AllowanceUnit
{
    Seconds,
    Minutes,
    Hours,
    Days,
    WorkingHours,
    WorkingDays,
}

/// <summary>
/// An amount of time as the catalog writes it: <c>30s</c>, <c>15m</c>, <c>2h</c>, <c>30d</c> on the wall clock,
/// <c>2wh</c> (working hours) and <c>1wd</c> (working days, 工作日) in working time.
/// </summary>
[JsonConverter(typeof(AllowanceJsonConverter))]
public readonly record struct Allowance(int Amount, AllowanceUnit Unit)
{
    private static readonly (string Suffix, AllowanceUnit Unit)[] Suffixes =
    [
        ("wh", AllowanceUnit.WorkingHours),
        ("wd", AllowanceUnit.WorkingDays),
        ("s", AllowanceUnit.Seconds),
        ("m", AllowanceUnit.Minutes),
        ("h", AllowanceUnit.Hours),
        ("d", AllowanceUnit.Days),
    ];

    public ClockKind Kind =>
        Unit is AllowanceUnit.WorkingHours or AllowanceUnit.WorkingDays ? ClockKind.Working : ClockKind.Wall;

    /// <summary>
    /// The length in the allowance's own measure: wall time, or working time where a working day lasts
    /// <paramref name="workingDay"/>.
    /// </summary>
    public TimeSpan Length(TimeSpan workingDay) =>
        Unit switch
        {
            AllowanceUnit.Seconds => TimeSpan.FromSeconds(Amount),
            AllowanceUnit.Minutes => TimeSpan.FromMinutes(Amount),
            AllowanceUnit.Hours or AllowanceUnit.WorkingHours => TimeSpan.FromHours(Amount),
            AllowanceUnit.Days => TimeSpan.FromDays(Amount),
            AllowanceUnit.WorkingDays => workingDay * Amount,
            _ => throw new ArgumentOutOfRangeException(nameof(Unit), Unit, "unknown allowance unit"),
        };

    public static bool TryParse(string? text, out Allowance allowance)
    {
        allowance = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var trimmed = text.Trim();
        foreach (var (suffix, unit) in Suffixes)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.Ordinal))
                continue;
            var number = trimmed[..^suffix.Length];
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
                return false;
            allowance = new Allowance(amount, unit);
            return true;
        }
        return false;
    }

    public static Allowance Parse(string text) =>
        TryParse(text, out var allowance)
            ? allowance
            : throw new FormatException(
                $"'{text}' is not an allowance; write a positive whole number and a unit: "
                    + "s, m, h, d, wh or wd (e.g. 15m, 2wh, 1wd)"
            );

    public override string ToString()
    {
        var unit = Unit;
        return Amount.ToString(CultureInfo.InvariantCulture) + Suffixes.First(s => s.Unit == unit).Suffix;
    }
}

public sealed class AllowanceJsonConverter : JsonConverter<Allowance>
{
    public override Allowance Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Allowance.TryParse(text, out var allowance)
            ? allowance
            : throw new JsonException($"'{text}' is not an allowance (e.g. 15m, 2h, 2wh, 1wd)");
    }

    public override void Write(Utf8JsonWriter writer, Allowance value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>The time a stage is given, already converted into its measure (wall or working time).</summary>
public readonly record struct TimeAllotment(ClockKind Kind, TimeSpan Length);
