using System.Security.Cryptography;
using System.Text.Json;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.Blobs;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>A stored photo's description.</summary>
public sealed record EvidenceMeta(
    string Id,
    string Number,
    string ContentType,
    long Size,
    string Sha256,
    string UploadedBy,
    string FileName
);

/// <summary>Why an upload was refused: the field at fault and what is wrong with it.</summary>
public sealed class EvidenceRefused(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
    public string Problem { get; } = problem;
}

/// <summary>
/// Photo evidence: the photo in the blob store by its content (<c>evidence/sha256/…</c>, so the same photo is stored
/// once however often it is uploaded), and what each upload was (incident, type, size, who, file name) both in the
/// blob store (<c>evidence/meta/&lt;id&gt;.json</c>, for good) and in Redis (a small hash, for as long as incidents
/// stay
/// hot: <see cref="ArchiveOptions.ClosedIncidentDays"/>). Everything is durable before the upload is acknowledged.
/// A photo is recognised by its content (JPEG, PNG or WebP signatures), not by what the client says it is; its id is
/// derived from the incident and the content, so uploading the same photo again changes nothing.
/// </summary>
public sealed class EvidenceStore(IConnectionMultiplexer redis, KeySpace keys, IBlobStore blobs, ArchiveOptions options)
{
    public static readonly IReadOnlyList<string> Accepted = ["image/jpeg", "image/png", "image/webp"];

    /// <summary>
    /// What an upload was, as a hash, in the slot of its own id (so uploads spread over a cluster's shards).
    /// </summary>
    public static string Key(KeySpace keys, string id) => keys.Tagged($"evidence:{id}", "evidence");

    private string Key(string id) => Key(keys, id);

    /// <summary>
    /// The pattern of the keys in which photos were kept before the blob store (the photo in the field <c>data</c>,
    /// all in the deployment's one slot), for their migration.
    /// </summary>
    internal string LegacyKeyPattern => keys.Shared("evidence:*");

    internal string LegacyIdOf(string key) => key[(keys.Shared("evidence:").Length)..];

    public async Task<EvidenceMeta> SaveAsync(
        string number,
        string declaredType,
        ReadOnlyMemory<byte> content,
        string fileName,
        string uploadedBy,
        int maxBytes
    )
    {
        if (content.Length == 0)
            throw new EvidenceRefused("content", "is empty");
        if (content.Length > maxBytes)
            throw new EvidenceRefused("content", $"{content.Length} bytes is more than the {maxBytes} bytes allowed");
        var sniffed =
            Sniff(content.Span)
            ?? throw new EvidenceRefused("content", $"is not a photo (accepted: {string.Join(", ", Accepted)})");
        if (
            declaredType is { Length: > 0 }
            && !string.Equals(declaredType, sniffed, StringComparison.OrdinalIgnoreCase)
        )
            throw new EvidenceRefused("content_type", $"says {declaredType} but the content is {sniffed}");
        ImageCheck.Require(sniffed, content.Span);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{number}\n{sha}")))[
            ..32
        ];
        var meta = new EvidenceMeta(
            id,
            number,
            sniffed,
            content.Length,
            sha,
            uploadedBy,
            Path.GetFileName(fileName ?? "")
        );
        await StoreAsync(meta, content);
        return meta;
    }

    /// <summary>
    /// The photo into the blob store (unless it is there already), then what the upload was, in the blob store and in
    /// Redis.
    /// </summary>
    internal async Task StoreAsync(EvidenceMeta meta, ReadOnlyMemory<byte> content)
    {
        var name = ArchiveLayout.EvidenceContent(meta.Sha256);
        if (!await blobs.ExistsAsync(name))
            await blobs.PutAsync(name, content);
        await blobs.PutAsync(
            ArchiveLayout.EvidenceMeta(meta.Id),
            JsonSerializer.SerializeToUtf8Bytes(meta, DispatchSerialization.Json)
        );
        var db = redis.GetDatabase();
        var tx = db.CreateTransaction();
        _ = tx.HashSetAsync(
            Key(meta.Id),
            [
                new("incident", meta.Number),
                new("type", meta.ContentType),
                new("size", meta.Size),
                new("sha256", meta.Sha256),
                new("by", meta.UploadedBy),
                new("name", meta.FileName),
            ]
        );
        _ = tx.KeyExpireAsync(Key(meta.Id), options.ClosedIncidents);
        await tx.ExecuteAsync();
    }

    public async Task<EvidenceMeta?> FindAsync(string id)
    {
        var fields = await redis
            .GetDatabase()
            .HashGetAsync(Key(id), ["incident", "type", "size", "sha256", "by", "name"]);
        if (!fields[0].IsNull)
            return new EvidenceMeta(id, fields[0]!, fields[1]!, (long)fields[2], fields[3]!, fields[4]!, fields[5]!);
        // Gone from Redis (its hot time is over): the blob store keeps it for good.
        return BlobName.IsValid(id) && await blobs.GetAsync(ArchiveLayout.EvidenceMeta(id)) is { } json
            ? JsonSerializer.Deserialize<EvidenceMeta>(json, DispatchSerialization.Json)
            : null;
    }

    public async Task<byte[]?> ContentAsync(string id) =>
        await FindAsync(id) is { } meta ? await blobs.GetAsync(ArchiveLayout.EvidenceContent(meta.Sha256)) : null;

    /// <summary>The content type a photo's first bytes show, or null when they show none accepted.</summary>
    public static string? Sniff(ReadOnlySpan<byte> b) =>
        b is [0xFF, 0xD8, 0xFF, ..] ? "image/jpeg"
        : b is [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] ? "image/png"
        : b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;
}
