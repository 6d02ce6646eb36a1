namespace Dispatch.Tests;

/// <summary>
/// One node of the test's Redis Cluster as the cluster itself sees it (<c>CLUSTER NODES</c>): its port, whether it
/// is a primary or the replica of which primary, whether the others have marked it failed, and the hash slots it
/// serves (none for a replica).
/// </summary>
public sealed record RedisClusterNode(
    string Id,
    int Port,
    bool IsPrimary,
    string? PrimaryId,
    bool IsFailed,
    IReadOnlyList<RedisSlotRange> Slots
)
{
    /// <summary>The node's address, as StackExchange.Redis names a server: <c>127.0.0.1:port</c>.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    public bool Serves(int slot) => Slots.Any(range => range.From <= slot && slot <= range.To);

    /// <summary>
    /// Reads one line of <c>CLUSTER NODES</c>:
    /// <c>id ip:port@busport flags primary-id ping-sent pong-received epoch link-state slot…</c>.
    /// </summary>
    internal static RedisClusterNode Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var address = fields[1].Split('@')[0];
        var flags = fields[2].Split(',');
        // A slot being migrated is listed as "[slot->-id]"; the test cluster never migrates, so only ranges count.
        var slots = fields.Skip(8).Where(s => !s.StartsWith('[')).Select(RedisSlotRange.Parse).ToList();
        return new RedisClusterNode(
            fields[0],
            int.Parse(address[(address.LastIndexOf(':') + 1)..]),
            flags.Contains("master"),
            fields[3] == "-" ? null : fields[3],
            flags.Contains("fail"),
            slots
        );
    }
}

/// <summary>A range of hash slots, both ends included: <c>0-5460</c>, or one slot alone.</summary>
public readonly record struct RedisSlotRange(int From, int To)
{
    /// <summary>All of a Redis Cluster's hash slots.</summary>
    public const int SlotCount = 16384;

    public int Count => To - From + 1;

    public override string ToString() => $"{From}-{To}";

    internal static RedisSlotRange Parse(string text) =>
        text.Split('-') is [var from, var to]
            ? new(int.Parse(from), int.Parse(to))
            : new(int.Parse(text), int.Parse(text));
}
