using StackExchange.Redis;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// Moves photos kept in Redis (the field <c>data</c> of an evidence hash, as they were stored before the blob store)
/// into the blob store, once, at start: each photo is written by its content, then its upload's description (in the
/// blob store and under the evidence's own key), and only then is the old key removed. Cut off halfway, the next
/// start goes on where it stopped.
/// </summary>
public sealed class EvidenceMigration(
    IConnectionMultiplexer redis,
    EvidenceStore evidence,
    ILogger<EvidenceMigration> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var moved = await MigrateAsync(stoppingToken);
            if (moved > 0)
                logger.LogInformation("Moved {Count} photos from Redis to the blob store", moved);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Moving photos from Redis to the blob store failed; the next start tries again");
        }
    }

    /// <summary>Moves every photo still in Redis; returns how many it moved.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var moved = 0;
        // KEYS/SCAN see one node: on a cluster, every primary is asked.
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await foreach (
                var key in server
                    .KeysAsync(pattern: evidence.LegacyKeyPattern, pageSize: 500)
                    .WithCancellation(cancellationToken)
            )
            {
                if (await db.KeyTypeAsync(key) != RedisType.Hash)
                    continue;
                var fields = await db.HashGetAsync(key, ["incident", "type", "by", "name", "data"]);
                if (fields[4].IsNull || fields[0].IsNull)
                    continue;
                var content = (byte[])fields[4]!;
                var meta = new EvidenceMeta(
                    evidence.LegacyIdOf(key!),
                    fields[0]!,
                    fields[1]!,
                    content.Length,
                    Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)),
                    fields[2]!,
                    fields[3]!
                );
                await evidence.StoreAsync(meta, content);
                await db.KeyDeleteAsync(key);
                moved++;
            }
        return moved;
    }
}
