using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// One stream entry as the archive keeps it: the stream it came from (its label), its stream id, and its fields. A JSON
/// line holds <c>id</c>, <c>stream</c> and then the fields by name; a field that holds JSON (an incident's events, an
/// alert) is written as JSON.
/// </summary>
public sealed record ArchivedEntry(string Label, StreamId Id, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public string? this[string field] => Fields.FirstOrDefault(f => f.Key == field).Value;

    /// <summary>
    /// The entry as Redis gave it, for the readers that read the live stream (<see
    /// cref="IPartitionedStream{TEntry}.Read"/>).
    /// </summary>
    public StreamEntry ToStreamEntry() =>
        new(Id.ToString(), [.. Fields.Select(f => new NameValueEntry(f.Key, f.Value))]);

    public static string ToLine(ArchiveSource source, StreamEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", entry.Id.ToString());
            json.WriteString("stream", source.Label);
            foreach (var field in entry.Values)
            {
                var name = field.Name.ToString();
                var value = field.Value.ToString();
                if (source.JsonFields.Contains(name) && IsJson(value))
                {
                    json.WritePropertyName(name);
                    json.WriteRawValue(value);
                }
                else
                    json.WriteString(name, value);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static ArchivedEntry FromLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var property in root.EnumerateObject())
            if (property.Name is not ("id" or "stream"))
                fields.Add(
                    new(
                        property.Name,
                        property.Value.ValueKind == JsonValueKind.String
                            ? property.Value.GetString()!
                            : property.Value.GetRawText()
                    )
                );
        return new ArchivedEntry(
            root.GetProperty("stream").GetString()!,
            StreamId.Parse(root.GetProperty("id").GetString()!),
            fields
        );
    }

    private static bool IsJson(string value)
    {
        if (value is not ['{' or '[', ..])
            return false;
        try
        {
            using var _ = JsonDocument.Parse(value);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
