using System.Buffers.Binary;
using System.Text;

namespace Dispatch.Infrastructure;

/// <summary>
/// Whether a photo is an image from its first byte to its last, by a strict reading of its container's structure,
/// without decoding its pixels: a JPEG's segments in order from start-of-image to end-of-image (a frame before the
/// first scan, the entropy-coded data of each scan up to its next marker) with nothing after; a PNG's chunks from
/// IHDR to IEND, each with its CRC, with nothing after; a WebP's RIFF chunks exactly filling the size the RIFF
/// header gives. The metadata segments (JPEG comments and APPn, PNG text and other ancillary chunks, WebP EXIF and
/// XMP) must hold no HTML. So a file that is also a page (a JPEG/HTML polyglot, an image with a page appended) is
/// refused. A structural check rather than a decoder: image libraries have a record of flaws exploited by crafted
/// files, and what the check accepts is all that is stored and served.
/// </summary>
public static class ImageCheck
{
    /// <summary>Throws <see cref="EvidenceRefused"/> naming <c>content</c> when it is no whole image.</summary>
    public static void Require(string contentType, ReadOnlySpan<byte> content)
    {
        if (Problem(contentType, content) is { } problem)
            throw new EvidenceRefused("content", problem);
    }

    /// <summary>What is wrong with the image; null when its structure holds from its first byte to its last.</summary>
    public static string? Problem(string contentType, ReadOnlySpan<byte> content) =>
        contentType switch
        {
            "image/jpeg" => Jpeg(content),
            "image/png" => Png(content),
            "image/webp" => WebP(content),
            _ => $"is of type {contentType}, which is not an image type accepted",
        };

    private static string? Jpeg(ReadOnlySpan<byte> b)
    {
        if (b is not [0xFF, 0xD8, ..])
            return "is not a JPEG: it does not begin with a start-of-image marker";
        const string truncated = "is a JPEG that ends before its end-of-image marker";
        var (i, frame, scan) = (2, false, false);
        while (true)
        {
            if (i >= b.Length)
                return truncated;
            if (b[i] != 0xFF)
                return $"is a JPEG with bytes outside its segments (at byte {i})";
            while (i < b.Length && b[i] == 0xFF)
                i++; // fill bytes before a marker
            if (i >= b.Length)
                return truncated;
            var marker = b[i++];
            if (marker == 0xD9)
            {
                if (!frame || !scan)
                    return "is a JPEG without a frame or without a scan";
                return i == b.Length ? null : $"has {b.Length - i} bytes after the JPEG's end-of-image marker";
            }
            if (marker == 0xD8)
                return "is a JPEG with a second start-of-image marker";
            if (marker == 0x00)
                return $"is a JPEG with an invalid marker (at byte {i - 1})";
            if (marker is 0x01 or >= 0xD0 and <= 0xD7)
                continue; // markers without a length
            if (i + 2 > b.Length)
                return truncated;
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[i..]);
            if (length < 2 || i + length > b.Length)
                return $"is a JPEG whose segment at byte {i - 2} runs past the end";
            var segment = b.Slice(i + 2, length - 2);
            if (IsFrame(marker))
            {
                if (segment.Length < 6 || BinaryPrimitives.ReadUInt16BigEndian(segment[3..]) == 0)
                    return "is a JPEG whose frame header has no width";
                frame = true;
            }
            if (marker is 0xFE or >= 0xE0 and <= 0xEF && Markup(segment) is { } tag)
                return $"is a JPEG whose metadata holds HTML ({tag})";
            i += length;
            if (marker != 0xDA)
                continue;
            if (!frame)
                return "is a JPEG with a scan before its frame";
            scan = true;
            // The entropy-coded data runs to the next marker: 0xFF is followed by 0x00 (a stuffed byte), a restart
            // marker, or more fill bytes inside it.
            while (true)
            {
                if (i + 1 >= b.Length)
                    return truncated;
                if (b[i] == 0xFF && b[i + 1] is not (0x00 or 0xFF or >= 0xD0 and <= 0xD7))
                    break;
                i += b[i] == 0xFF && b[i + 1] != 0xFF ? 2 : 1;
            }
        }
    }

    /// <summary>SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.</summary>
    private static bool IsFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static string? Png(ReadOnlySpan<byte> b)
    {
        if (!b.StartsWith(PngSignature))
            return "is not a PNG: it does not begin with the PNG signature";
        var (i, first, data) = (PngSignature.Length, true, false);
        while (true)
        {
            if (i + 12 > b.Length)
                return "is a PNG that ends before its IEND chunk";
            var length = BinaryPrimitives.ReadUInt32BigEndian(b[i..]);
            if (length > int.MaxValue || i + 12L + length > b.Length)
                return $"is a PNG whose chunk at byte {i} runs past the end";
            var type = b.Slice(i + 4, 4);
            var body = b.Slice(i + 8, (int)length);
            var name = Encoding.ASCII.GetString(type);
            foreach (var c in type)
                if (!char.IsAsciiLetter((char)c))
                    return $"is a PNG whose chunk type is not four letters (at byte {i})";
            var crc = BinaryPrimitives.ReadUInt32BigEndian(b[(i + 8 + (int)length)..]);
            if (Crc32(b.Slice(i + 4, 4 + (int)length)) != crc)
                return $"is a PNG whose {name} chunk fails its CRC";
            if (
                first
                && (
                    name != "IHDR"
                    || length != 13
                    || BinaryPrimitives.ReadUInt32BigEndian(body) == 0
                    || BinaryPrimitives.ReadUInt32BigEndian(body[4..]) == 0
                )
            )
                return "is a PNG that does not begin with a header (IHDR) of a width and a height";
            first = false;
            i += 12 + (int)length;
            switch (name)
            {
                case "IDAT":
                    data = true;
                    continue;
                case "IEND":
                    if (!data)
                        return "is a PNG without image data (IDAT)";
                    return i == b.Length ? null : $"has {b.Length - i} bytes after the PNG's IEND chunk";
            }
            if (Markup(body) is { } tag)
                return $"is a PNG whose {name} chunk holds HTML ({tag})";
        }
    }

    private static string? WebP(ReadOnlySpan<byte> b)
    {
        if (b.Length < 20 || !b[..4].SequenceEqual("RIFF"u8) || !b[8..12].SequenceEqual("WEBP"u8))
            return "is not a WebP: it does not begin with a RIFF header of type WEBP";
        var size = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        if (size + 8L != b.Length)
            return $"is a WebP whose RIFF header gives {size + 8L} bytes, but it has {b.Length}";
        var (i, image) = (12, false);
        while (i < b.Length)
        {
            if (i + 8 > b.Length)
                return $"is a WebP with a truncated chunk header at byte {i}";
            var name = Encoding.ASCII.GetString(b.Slice(i, 4));
            var length = BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 4)..]);
            if (i + 8L + length > b.Length)
                return $"is a WebP whose {name} chunk runs past the end";
            var body = b.Slice(i + 8, (int)length);
            if (i == 12 && name is not ("VP8 " or "VP8L" or "VP8X"))
                return "is a WebP whose first chunk is not VP8, VP8L or VP8X";
            switch (name)
            {
                case "VP8 " when body.Length >= 10 && body.Slice(3, 3).SequenceEqual(Vp8StartCode):
                case "VP8L" when body.Length >= 5 && body[0] == 0x2F:
                case "ANMF":
                    image = true;
                    break;
                case "VP8 " or "VP8L":
                    return $"is a WebP whose {name.Trim()} bitstream has no valid signature";
                case "VP8X" or "ALPH" or "ANIM" or "ICCP":
                    break;
                case "EXIF" or "XMP ":
                    if (Markup(body) is { } tag)
                        return $"is a WebP whose {name.Trim()} chunk holds HTML ({tag})";
                    break;
                default:
                    return $"is a WebP with a chunk of unknown type '{name}'";
            }
            i += 8 + (int)length + (int)(length & 1); // chunks are padded to an even length
        }
        return image ? null : "is a WebP without image data";
    }

    /// <summary>The start code of a VP8 key frame, after its three-byte frame tag.</summary>
    private static ReadOnlySpan<byte> Vp8StartCode => [0x9D, 0x01, 0x2A];

    /// <summary>Tags that make a browser take bytes for a page (or run script), as they begin, in lower case.</summary>
    private static readonly string[] Tags =
    [
        "<!doctype",
        "<html",
        "<head",
        "<body",
        "<script",
        "<iframe",
        "<frame",
        "<svg",
        "<object",
        "<embed",
        "<form",
        "<meta",
        "<style",
        "<link",
        "<base",
    ];

    /// <summary>The first HTML tag in metadata, case-insensitively, or null when there is none.</summary>
    private static string? Markup(ReadOnlySpan<byte> metadata)
    {
        for (var at = metadata.IndexOf((byte)'<'); at >= 0; at = Next(metadata, at))
        {
            foreach (var tag in Tags)
            {
                if (at + tag.Length > metadata.Length)
                    continue;
                var candidate = metadata.Slice(at, tag.Length);
                var match = true;
                for (var k = 0; k < tag.Length && match; k++)
                    match = char.ToLowerInvariant((char)candidate[k]) == tag[k];
                if (match)
                    return tag + ">";
            }
        }
        return null;

        static int Next(ReadOnlySpan<byte> text, int from) =>
            text[(from + 1)..].IndexOf((byte)'<') is var next and >= 0 ? from + 1 + next : -1;
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC-32 of PNG (ISO 3309), over a chunk's type and data.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
