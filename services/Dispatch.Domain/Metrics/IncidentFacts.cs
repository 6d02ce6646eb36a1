using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Domain;

/// <summary>
/// What evaluation (一网评效) needs to know about one incident, folded from its timeline by
/// <see cref="IncidentFactsFold"/>: where it belongs (scenario, type, priority, channel, street, lead unit; the type
/// and priority are the current ones, after any reclassification, 改类), when each
/// step of the closed loop first or last happened, and whether each stage met its deadline. Every figure of
/// <see cref="Scorecard"/> is computed from these facts alone, so every figure can be recomputed from the event log.
/// </summary>
/// <remarks>
/// Stage punctuality (<see cref="DispatchingOnTime"/> and its siblings) is <c>null</c> while the stage has not been
/// measured, <c>true</c> when every time the stage ran it was completed at or before its clock's due time, and
/// <c>false</c> when it was completed late at least once or its deadline escalated to overdue (逾期) or worse.
/// Reopens keep the history: the punctuality of a stage that ran again after a reopen, a return or a rework covers
/// every run.
/// </remarks>
public sealed record IncidentFacts
{
    public required string Number { get; init; }
    public required string Scenario { get; init; }
    public required string Type { get; init; }
    public Priority Priority { get; init; }

    /// <summary>发现渠道: how the incident came in.</summary>
    public Channel Channel { get; init; }

    /// <summary>The street or town (街镇) it lies in.</summary>
    public required string Street { get; init; }
    public DateTimeOffset ReportedAt { get; init; }

    /// <summary>The incident's state after the last event folded.</summary>
    public IncidentState State { get; init; }

    /// <summary>When it was first filed (立案); null if it never was.</summary>
    public DateTimeOffset? FiledAt { get; init; }

    /// <summary>When it was dismissed (不予立案); null if it was not, or was reopened since.</summary>
    public DateTimeOffset? DismissedAt { get; init; }

    /// <summary>The dismissal (while it stands) was on the ground of a false alarm (误报).</summary>
    public bool FalseAlarm { get; init; }

    /// <summary>When it was first dispatched (派遣).</summary>
    public DateTimeOffset? FirstDispatchedAt { get; init; }

    /// <summary>When the lead unit first accepted it (签收).</summary>
    public DateTimeOffset? FirstAcceptedAt { get; init; }

    /// <summary>When the lead unit first arrived on site.</summary>
    public DateTimeOffset? FirstArrivedAt { get; init; }

    /// <summary>When its result first went to review (核查): every assignment was handled.</summary>
    public DateTimeOffset? FirstReviewAt { get; init; }

    /// <summary>When it was first closed (结案), by a reviewer or because its cause cleared by itself.</summary>
    public DateTimeOffset? FirstClosedAt { get; init; }

    /// <summary>When it was last closed; null if it is not closed now (never closed, or reopened since).</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>When a deadline of it first escalated to overdue (逾期) or worse.</summary>
    public DateTimeOffset? OverdueAt { get; init; }

    /// <summary>
    /// The lead unit of every dispatch, in order (a re-dispatch after a return, a recall or a reopen adds one, and so
    /// does moving the lead's assignment to another unit).
    /// </summary>
    public UnitList DispatchedTo { get; init; } = UnitList.Empty;

    /// <summary>The lead units that returned it (退单), in order; returns by co-units are not counted.</summary>
    public UnitList ReturnedBy { get; init; } = UnitList.Empty;

    /// <summary>The lead unit of the latest dispatch; null if it was never dispatched.</summary>
    public string? LeadUnit => DispatchedTo.Count == 0 ? null : DispatchedTo[^1];

    /// <summary>How often the reviewer sent the result back (返工).</summary>
    public int Reworks { get; init; }

    /// <summary>How many extensions (延期) were approved.</summary>
    public int Extensions { get; init; }

    /// <summary>How often it was put on the register of deferred cases (挂账).</summary>
    public int Deferrals { get; init; }

    /// <summary>How often it was reopened after closing or dismissal.</summary>
    public int Reopens { get; init; }

    /// <summary>How often it was reclassified (改类) to another type or priority.</summary>
    public int Reclassifications { get; init; }

    /// <summary>
    /// How often a dispatcher withdrew an assignment (撤回) or moved it (改派). Not returns: they do not count against
    /// dispatch accuracy.
    /// </summary>
    public int Recalls { get; init; }

    /// <summary>How often a dispatcher urged it (催办).</summary>
    public int Urges { get; init; }

    /// <summary>The highest escalation level (督办) any of its deadlines reached.</summary>
    public EscalationLevel Escalation { get; init; }

    public bool? FilingOnTime { get; init; }
    public bool? DispatchingOnTime { get; init; }
    public bool? AcceptingOnTime { get; init; }
    public bool? ArrivingOnTime { get; init; }
    public bool? HandlingOnTime { get; init; }
    public bool? ReviewingOnTime { get; init; }

    /// <summary>
    /// 按期结案: closed now, and no stage it went through was late (stages without a deadline do not count).
    /// </summary>
    public bool ClosedOnTime => ClosedAt is not null && Stages.All(s => OnTime(s) is not false);

    /// <summary>
    /// Whether <paramref name="stage"/> met its deadline; see the remarks on <see cref="IncidentFacts"/>.
    /// </summary>
    public bool? OnTime(Stage stage) =>
        stage switch
        {
            Stage.Filing => FilingOnTime,
            Stage.Dispatching => DispatchingOnTime,
            Stage.Accepting => AcceptingOnTime,
            Stage.Arriving => ArrivingOnTime,
            Stage.Handling => HandlingOnTime,
            Stage.Reviewing => ReviewingOnTime,
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
        };

    /// <summary>
    /// The same facts with the punctuality of <paramref name="stage"/> set to <paramref name="onTime"/>.
    /// </summary>
    internal IncidentFacts WithOnTime(Stage stage, bool? onTime) =>
        stage switch
        {
            Stage.Filing => this with { FilingOnTime = onTime },
            Stage.Dispatching => this with { DispatchingOnTime = onTime },
            Stage.Accepting => this with { AcceptingOnTime = onTime },
            Stage.Arriving => this with { ArrivingOnTime = onTime },
            Stage.Handling => this with { HandlingOnTime = onTime },
            Stage.Reviewing => this with { ReviewingOnTime = onTime },
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
        };

    private static readonly Stage[] Stages = Enum.GetValues<Stage>();
}

/// <summary>
/// An ordered list of unit codes that compares by its items, so that <see cref="IncidentFacts"/> holding it stay
/// equal when folded again or read back from JSON (where it is a plain array of strings).
/// </summary>
[JsonConverter(typeof(UnitListJsonConverter))]
public sealed class UnitList : IReadOnlyList<string>, IEquatable<UnitList>
{
    public static readonly UnitList Empty = new([]);

    private readonly string[] _units;

    public UnitList(IEnumerable<string> units) => _units = [.. units];

    public int Count => _units.Length;

    public string this[int index] => _units[index];

    /// <summary>A new list with <paramref name="unit"/> appended; this one is unchanged.</summary>
    public UnitList Add(string unit) => new(_units.Append(unit));

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_units).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(UnitList? other) => other is not null && _units.AsSpan().SequenceEqual(other._units);

    public override bool Equals(object? obj) => Equals(obj as UnitList);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var unit in _units)
            hash.Add(unit, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", _units)}]";
}

public sealed class UnitListJsonConverter : JsonConverter<UnitList>
{
    public override bool HandleNull => true;

    public override UnitList Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? UnitList.Empty
        : reader.TokenType != JsonTokenType.StartArray
            ? throw new JsonException("a unit list is an array of unit codes")
        : new UnitList(
            JsonSerializer
                .Deserialize<string?[]>(ref reader, options)!
                .Select(u => u ?? throw new JsonException("a unit list holds unit codes, not null"))
        );

    public override void Write(Utf8JsonWriter writer, UnitList value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var unit in value)
            writer.WriteStringValue(unit);
        writer.WriteEndArray();
    }
}
