using System.Security.Cryptography;
using Dispatch.Infrastructure;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>A stored photo's description.</summary>
public sealed record EvidenceMeta(string Id, string Number, string ContentType, long Size, string Sha256, string UploadedBy, string FileName);

/// <summary>Why an upload was refused: the field at fault and what is wrong with it.</summary>
public sealed class EvidenceRefused(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
    public string Problem { get; } = problem;
}

/// <summary>
/// Photo evidence, stored durably in Redis (under AOF) before it is acknowledged, and linked to its incident.
/// A photo is recognised by its content (JPEG, PNG or WebP signatures), not by what the client says it is; its id
/// is derived from the incident and the content, so uploading the same photo again changes nothing.
/// </summary>
public sealed class EvidenceStore(IConnectionMultiplexer redis, KeySpace keys)
{
    public static readonly IReadOnlyList<string> Accepted = ["image/jpeg", "image/png", "image/webp"];

    /// <summary>Evidence (a photo) and what it belongs to, as a hash.</summary>
    private string Key(string id) => keys.Shared($"evidence:{id}");

    public async Task<EvidenceMeta> SaveAsync(string number, string declaredType, ReadOnlyMemory<byte> content, string fileName, string uploadedBy, int maxBytes)
    {
        if (content.Length == 0) throw new EvidenceRefused("content", "is empty");
        if (content.Length > maxBytes) throw new EvidenceRefused("content", $"{content.Length} bytes is more than the {maxBytes} bytes allowed");
        var sniffed = Sniff(content.Span) ?? throw new EvidenceRefused("content", $"is not a photo (accepted: {string.Join(", ", Accepted)})");
        if (declaredType is { Length: > 0 } && !string.Equals(declaredType, sniffed, StringComparison.OrdinalIgnoreCase))
            throw new EvidenceRefused("content_type", $"says {declaredType} but the content is {sniffed}");
        ImageCheck.Require(sniffed, content.Span);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{number}\n{sha}")))[..32];
        var meta = new EvidenceMeta(id, number, sniffed, content.Length, sha, uploadedBy, Path.GetFileName(fileName ?? ""));
        await redis.GetDatabase().HashSetAsync(Key(id),
        [
            new("incident", number), new("type", sniffed), new("size", content.Length), new("sha256", sha),
            new("by", uploadedBy), new("name", meta.FileName), new("data", content),
        ]);
        return meta;
    }

    public async Task<EvidenceMeta?> FindAsync(string id)
    {
        var fields = await redis.GetDatabase().HashGetAsync(Key(id), ["incident", "type", "size", "sha256", "by", "name"]);
        return fields[0].IsNull ? null
            : new EvidenceMeta(id, fields[0]!, fields[1]!, (long)fields[2], fields[3]!, fields[4]!, fields[5]!);
    }

    public async Task<byte[]?> ContentAsync(string id) => (byte[]?)await redis.GetDatabase().HashGetAsync(Key(id), "data");

    /// <summary>The content type a photo's first bytes show, or null when they show none accepted.</summary>
    public static string? Sniff(ReadOnlySpan<byte> b) =>
        b is [0xFF, 0xD8, 0xFF, ..] ? "image/jpeg"
        : b is [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] ? "image/png"
        : b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;
}
