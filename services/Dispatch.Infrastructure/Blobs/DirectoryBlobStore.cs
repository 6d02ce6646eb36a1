namespace Dispatch.Infrastructure.Blobs;

/// <summary>
/// Blobs as files under a folder (the embedded default: <c>&lt;repository&gt;/.data/archive</c>). A write goes to a
/// temporary file that is flushed to disk and then renamed over the name, so a crash leaves the old file or the new
/// one, and a reader never sees half of one.
/// </summary>
public sealed class DirectoryBlobStore : IBlobStore
{
    private const string Temporary = ".tmp-";
    private readonly string _root;

    public DirectoryBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Description => $"folder {_root}";

    private string PathOf(string name) =>
        Path.Combine(_root, BlobName.Check(name).Replace('/', Path.DirectorySeparatorChar));

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $"{Temporary}{Guid.NewGuid():N}");
        try
        {
            await using (
                var file = new FileStream(
                    temporary,
                    FileMode.CreateNew,
                    FileAccess.Write,
                    FileShare.None,
                    1,
                    FileOptions.Asynchronous
                )
            )
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    public async Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(name), cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(name)));

    public Task<IReadOnlyList<BlobInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (!BlobName.IsValidPrefix(prefix))
            throw new ArgumentException($"'{prefix}' is not a blob name prefix", nameof(prefix));
        // Only the folder the prefix's last '/' names is walked, not the whole store.
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : Path.Combine(_root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder))
            return Task.FromResult<IReadOnlyList<BlobInfo>>([]);
        IReadOnlyList<BlobInfo> found =
        [
            .. Directory
                .EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(path => !Path.GetFileName(path).StartsWith(Temporary, StringComparison.Ordinal))
                .Select(path => new BlobInfo(
                    Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/'),
                    new FileInfo(path).Length
                ))
                .Where(blob => blob.Name.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(blob => blob.Name, StringComparer.Ordinal),
        ];
        return Task.FromResult(found);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }
}
