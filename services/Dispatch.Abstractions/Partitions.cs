namespace Dispatch.Abstractions;

/// <summary>
/// How the store is partitioned (<c>Store:Partitions</c>): an incident belongs to the partition of a stable hash of
/// its number, a device's alerts to that of its id. A partition's keys share one hash tag, so one script commits
/// everything of one incident (or one batch of a partition's alerts) atomically, and on a Redis Cluster the
/// partitions spread over the shards. Readers consume every partition; the count is set per deployment and must
/// not change while it holds data (the store refuses to start with another count).
/// </summary>
public sealed record Partitions(int Count)
{
    public const int Default = 16;

    /// <summary>
    /// The partition of <paramref name="key"/>: FNV-1a of its UTF-16 code units, so every process agrees.
    /// </summary>
    public int Of(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)Count);
    }

    public IEnumerable<int> All => Enumerable.Range(0, Count);
}
