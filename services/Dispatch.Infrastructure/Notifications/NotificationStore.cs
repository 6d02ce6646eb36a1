using System.Globalization;
using System.Text.Json;
using Dispatch.Domain;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// What the notifier keeps per incident: each notice recorded once (<see cref="RecordNoticeAsync"/>), each delivery's
/// record, which is also its claim (<see cref="UpdateDeliveryAsync"/>: whoever changes it does so only if it is still
/// what they read), the incident as the notifier last folded it, and per partition the outbox of deliveries to take up
/// again and the notices awaiting acknowledgement, both sorted by when they fall due and claimed by lease
/// (<see cref="ClaimDueAsync"/>). Every change of one incident's keys and of its partition's sets is one transaction
/// in one hash slot (see <see cref="NotificationKeys"/>).
/// </summary>
public sealed class NotificationStore(
    IConnectionMultiplexer redis,
    NotificationKeys keys,
    IOptions<NotificationOptions> options
)
{
    private const int MaxRaces = 50;

    private static readonly LuaScript SaveSeen = LuaScript.Prepare(
        """
        local v = redis.call('HGET', @key, 'v')
        if v and tonumber(v) >= tonumber(@version) then return 0 end
        redis.call('HSET', @key, 'v', @version, 'incident', @incident)
        redis.call('PEXPIRE', @key, @retention)
        return 1
        """
    );

    // Takes the due members and moves them to the end of their lease in the same step, so that two sweepers never
    // take the same member while the lease runs.
    private static readonly LuaScript ClaimDue = LuaScript.Prepare(
        """
        local due = redis.call('ZRANGEBYSCORE', @key, '-inf', @now, 'LIMIT', 0, @limit)
        for _, member in ipairs(due) do redis.call('ZADD', @key, @until, member) end
        return due
        """
    );

    public NotificationKeys Keys => keys;

    private TimeSpan Retention => options.Value.Retention;

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, DispatchSerialization.Json);

    private static T Read<T>(RedisValue value) =>
        JsonSerializer.Deserialize<T>((string)value!, DispatchSerialization.Json)!;

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The incident as the notifier last folded it (null: never, or forgotten after the retention).</summary>
    public async Task<Incident?> SeenAsync(string number)
    {
        var stored = await redis.GetDatabase().HashGetAsync(keys.Seen(number), "incident");
        return stored.IsNull ? null : Read<Incident>(stored);
    }

    /// <summary>
    /// Keeps <paramref name="incident"/> as the notifier's view, unless a newer version is kept already.
    /// </summary>
    public Task SaveSeenAsync(Incident incident) =>
        redis
            .GetDatabase()
            .ScriptEvaluateAsync(
                SaveSeen,
                new
                {
                    key = (RedisKey)keys.Seen(incident.Number),
                    version = incident.Version.ToString(CultureInfo.InvariantCulture),
                    incident = Json(incident),
                    retention = ((long)Retention.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                }
            );

    public async Task<NoticeState?> NoticeAsync(string number, string id)
    {
        var stored = await redis.GetDatabase().HashGetAsync(keys.Notices(number), id);
        return stored.IsNull ? null : Read<NoticeState>(stored);
    }

    public async Task<IReadOnlyList<NoticeState>> NoticesAsync(string number) =>
        [.. (await redis.GetDatabase().HashValuesAsync(keys.Notices(number))).Select(Read<NoticeState>)];

    public async Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(string number) =>
        [
            .. (await redis.GetDatabase().HashValuesAsync(keys.Deliveries(number)))
                .Select(Read<DeliveryRecord>)
                .OrderBy(d => d.QueuedAt)
                .ThenBy(d => d.Id, StringComparer.Ordinal),
        ];

    public async Task<DeliveryRecord?> DeliveryAsync(string number, string id)
    {
        var stored = await redis.GetDatabase().HashGetAsync(keys.Deliveries(number), id);
        return stored.IsNull ? null : Read<DeliveryRecord>(stored);
    }

    /// <summary>
    /// Records a notice the first time, and with it, if it escalates, its entry among the notices awaiting
    /// acknowledgement; any later call finds and returns the first record unchanged.
    /// </summary>
    public async Task<NoticeState> RecordNoticeAsync(NoticeState state)
    {
        var db = redis.GetDatabase();
        var number = state.Notice.Incident;
        var key = keys.Notices(number);
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var stored = await db.HashGetAsync(key, state.Id);
            if (!stored.IsNull)
                return Read<NoticeState>(stored);
            var tx = db.CreateTransaction();
            tx.AddCondition(Condition.HashNotExists(key, state.Id));
            _ = tx.HashSetAsync(key, state.Id, Json(state));
            _ = tx.KeyExpireAsync(key, Retention);
            if (state.EscalateAt is { } due)
                _ = tx.SortedSetAddAsync(
                    keys.Escalations(number),
                    Json(new DueEntry(number, state.Id)),
                    due.ToUnixTimeMilliseconds(),
                    SortedSetWhen.NotExists
                );
            if (await tx.ExecuteAsync())
                return state;
        }
        throw new InvalidOperationException($"recording notice {state.Id} of incident {number} lost {MaxRaces} races");
    }

    /// <summary>
    /// Changes a notice's record if it is still the one <paramref name="change"/> saw (it returns null to leave it),
    /// and does <paramref name="also"/> in the same transaction. Returns the record as it is now, and whether it
    /// changed.
    /// </summary>
    public async Task<(NoticeState? Now, bool Changed)> UpdateNoticeAsync(
        string number,
        string id,
        Func<NoticeState, NoticeState?> change,
        Action<ITransaction, NoticeState>? also = null
    )
    {
        var (now, changed) = await UpdateAsync<NoticeState>(
            keys.Notices(number),
            id,
            before => before is null ? null : change(before),
            also
        );
        return (now, changed);
    }

    /// <summary>
    /// Changes a delivery's record, the claim of the delivery, if it is still the one <paramref name="change"/> saw
    /// (null when there is none yet; it returns null to leave it), and does <paramref name="also"/> in the same
    /// transaction: so of two instances claiming one delivery, exactly one succeeds.
    /// </summary>
    public Task<(DeliveryRecord? Now, bool Changed)> UpdateDeliveryAsync(
        string number,
        string id,
        Func<DeliveryRecord?, DeliveryRecord?> change,
        Action<ITransaction, DeliveryRecord>? also = null
    ) => UpdateAsync(keys.Deliveries(number), id, change, also);

    private async Task<(T? Now, bool Changed)> UpdateAsync<T>(
        string key,
        string id,
        Func<T?, T?> change,
        Action<ITransaction, T>? also
    )
        where T : class
    {
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var stored = await db.HashGetAsync(key, id);
            var before = stored.IsNull ? null : Read<T>(stored);
            var after = change(before);
            if (after is null)
                return (before, false);
            var tx = db.CreateTransaction();
            tx.AddCondition(stored.IsNull ? Condition.HashNotExists(key, id) : Condition.HashEqual(key, id, stored));
            _ = tx.HashSetAsync(key, id, Json(after));
            _ = tx.KeyExpireAsync(key, Retention);
            also?.Invoke(tx, after);
            if (await tx.ExecuteAsync())
                return (after, true);
        }
        throw new InvalidOperationException($"changing {id} of {key} lost {MaxRaces} races");
    }

    /// <summary>
    /// Schedules <paramref name="entry"/> in <paramref name="set"/> at <paramref name="at"/> (within a transaction).
    /// </summary>
    public static void Schedule(ITransaction tx, string set, DueEntry entry, DateTimeOffset at) =>
        _ = tx.SortedSetAddAsync(set, Json(entry), at.ToUnixTimeMilliseconds());

    /// <summary>Takes <paramref name="entry"/> out of <paramref name="set"/> (within a transaction).</summary>
    public static void Unschedule(ITransaction tx, string set, DueEntry entry) =>
        _ = tx.SortedSetRemoveAsync(set, Json(entry));

    public Task UnscheduleAsync(string set, DueEntry entry) =>
        redis.GetDatabase().SortedSetRemoveAsync(set, Json(entry));

    /// <summary>
    /// The entries of <paramref name="set"/> due at <paramref name="now"/> (at most <paramref name="limit"/>), each
    /// moved to <paramref name="now"/> + <paramref name="lease"/> as it is taken: no other sweeper takes it before the
    /// lease runs out, and if this one dies before it removes or reschedules it, another takes it then.
    /// </summary>
    public async Task<IReadOnlyList<DueEntry>> ClaimDueAsync(string set, DateTimeOffset now, TimeSpan lease, int limit)
    {
        var due = (RedisResult[]?)
            await redis
                .GetDatabase()
                .ScriptEvaluateAsync(
                    ClaimDue,
                    new
                    {
                        key = (RedisKey)set,
                        now = Ms(now),
                        until = Ms(now + lease),
                        limit = limit.ToString(CultureInfo.InvariantCulture),
                    }
                );
        return [.. (due ?? []).Select(m => Read<DueEntry>((RedisValue)m))];
    }

    /// <summary>When <paramref name="entry"/> falls due in <paramref name="set"/>; null when it is not there.</summary>
    public async Task<DateTimeOffset?> DueAtAsync(string set, DueEntry entry) =>
        await redis.GetDatabase().SortedSetScoreAsync(set, Json(entry)) is { } ms
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms)
            : null;
}
