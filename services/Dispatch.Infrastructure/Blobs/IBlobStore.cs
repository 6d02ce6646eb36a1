namespace Dispatch.Infrastructure.Blobs;

/// <summary>
/// Immutable objects by name, outside Redis: the archive's segments, archived incidents and photo evidence. Names are
/// relative, '/'-separated paths of letters, digits and <c>-_.</c> (no empty part, no "." or ".."), so that every
/// implementation maps them the same way. A write is durable when it returns, and replaces a whole object at once:
/// a reader sees the old object or the new one, never a part of either.
/// </summary>
public interface IBlobStore
{
    /// <summary>Where the objects live, for banners and logs.</summary>
    string Description { get; }

    /// <summary>Stores <paramref name="content"/> under <paramref name="name"/>, replacing what was there.</summary>
    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The object's content, or null when there is none.</summary>
    Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The names (with their sizes) that begin with <paramref name="prefix"/>, in ordinal order.</summary>
    Task<IReadOnlyList<BlobInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Removes the object; nothing happens when there is none.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>One stored object: its name and size in bytes.</summary>
public sealed record BlobInfo(string Name, long Size);

/// <summary>The rule every blob name follows (see <see cref="IBlobStore"/>).</summary>
public static class BlobName
{
    /// <summary>Whether <paramref name="name"/> is a valid object name.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 512 && name.Split('/').All(ValidPart);

    /// <summary>Whether <paramref name="prefix"/> may begin a name: whole parts, then the start of one.</summary>
    public static bool IsValidPrefix(string prefix)
    {
        var parts = prefix.Split('/');
        return prefix.Length <= 512
            && parts[..^1].All(ValidPart)
            && parts[^1].All(Allowed)
            && parts[^1] is not ("." or "..");
    }

    public static string Check(string name) =>
        IsValid(name)
            ? name
            : throw new ArgumentException($"'{name}' is not a blob name (letters, digits, -_. and '/')", nameof(name));

    private static bool ValidPart(string part) => part.Length > 0 && part is not ("." or "..") && part.All(Allowed);

    private static bool Allowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
