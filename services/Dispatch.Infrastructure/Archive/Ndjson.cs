using System.IO.Compression;
using System.Text;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// Gzip-compressed NDJSON, the archive's format: one JSON object per line, UTF-8, readable with
/// <c>zcat file | jq</c> and by any analytics tool that reads JSON lines.
/// </summary>
public static class Ndjson
{
    public static byte[] Write(IEnumerable<string> lines)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)) { NewLine = "\n" })
            foreach (var line in lines)
                writer.WriteLine(line);
        return buffer.ToArray();
    }

    public static IReadOnlyList<string> Read(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0)
                lines.Add(line);
        return lines;
    }

    /// <summary>One JSON document, gzip-compressed (an archived incident).</summary>
    public static byte[] Compress(string json) => Write([json]);

    public static string Decompress(byte[] compressed) => string.Join('\n', Read(compressed));
}
