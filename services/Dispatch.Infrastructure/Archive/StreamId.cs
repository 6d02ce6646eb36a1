using System.Globalization;

namespace Dispatch.Infrastructure.Archive;

/// <summary>A Redis stream entry id (<c>&lt;unix ms&gt;-&lt;sequence&gt;</c>), ordered as Redis orders them.</summary>
public readonly record struct StreamId(long Milliseconds, long Sequence) : IComparable<StreamId>
{
    public static StreamId Parse(string id)
    {
        var dash = id.IndexOf('-');
        return dash < 0
            ? new StreamId(long.Parse(id, CultureInfo.InvariantCulture), 0)
            : new StreamId(
                long.Parse(id.AsSpan(0, dash), CultureInfo.InvariantCulture),
                long.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture)
            );
    }

    /// <summary>The first id Redis could give at <paramref name="at"/>.</summary>
    public static StreamId At(DateTimeOffset at) => new(at.ToUnixTimeMilliseconds(), 0);

    /// <summary>When Redis added the entry.</summary>
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds);

    public int CompareTo(StreamId other) =>
        Milliseconds != other.Milliseconds
            ? Milliseconds.CompareTo(other.Milliseconds)
            : Sequence.CompareTo(other.Sequence);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;

    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;

    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;

    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public override string ToString() =>
        $"{Milliseconds.ToString(CultureInfo.InvariantCulture)}-{Sequence.ToString(CultureInfo.InvariantCulture)}";
}
