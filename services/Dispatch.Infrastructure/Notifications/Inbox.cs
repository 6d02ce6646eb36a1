using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// Each person's in-app inbox: their notices newest first, capped (<see cref="NotificationOptions.InboxCapacity"/>),
/// with the set of unread ones. A notice is added once, by its id: adding it again finds it and changes nothing,
/// which makes the in-app channel exactly-once by itself. Every addition and every change of a notice is published
/// (<see cref="NotificationKeys.InboxChanges"/>) for the instances that stream the person's inbox live.
/// </summary>
public sealed class Inbox(IConnectionMultiplexer redis, NotificationKeys keys, IOptions<NotificationOptions> options)
{
    private const int MaxRaces = 50;

    // Adds the notice unless it is there already (0) or older than everything a full inbox keeps (2); trims the
    // oldest beyond the capacity. Answers what is stored and the unread count.
    private static readonly LuaScript Add = LuaScript.Prepare(
        """
        local existing = redis.call('HGET', @items, @id)
        if existing then return {0, existing, redis.call('SCARD', @unread)} end
        local capacity = tonumber(@capacity)
        if redis.call('ZCARD', @order) >= capacity then
          local oldest = redis.call('ZRANGE', @order, 0, 0, 'WITHSCORES')
          if tonumber(@score) < tonumber(oldest[2]) then return {2, @notice, redis.call('SCARD', @unread)} end
        end
        redis.call('HSET', @items, @id, @notice)
        redis.call('ZADD', @order, @score, @id)
        redis.call('SADD', @unread, @id)
        local over = redis.call('ZCARD', @order) - capacity
        if over > 0 then
          for _, old in ipairs(redis.call('ZRANGE', @order, 0, over - 1)) do
            redis.call('HDEL', @items, old)
            redis.call('SREM', @unread, old)
          end
          redis.call('ZREMRANGEBYRANK', @order, 0, over - 1)
        end
        return {1, @notice, redis.call('SCARD', @unread)}
        """
    );

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, DispatchSerialization.Json);

    private static InboxNotice Read(RedisValue value) =>
        JsonSerializer.Deserialize<InboxNotice>((string)value!, DispatchSerialization.Json)!;

    /// <summary>
    /// Puts <paramref name="notice"/> into its person's inbox unless it is there; returns the notice as stored (the
    /// first one, on a second call) and whether this call added it. Only an addition is published.
    /// </summary>
    public async Task<(InboxNotice Stored, bool Added)> AddAsync(InboxNotice notice)
    {
        var result = (RedisResult[])
            (
                await redis
                    .GetDatabase()
                    .ScriptEvaluateAsync(
                        Add,
                        new
                        {
                            items = (RedisKey)keys.InboxItems(notice.User),
                            order = (RedisKey)keys.Inbox(notice.User),
                            unread = (RedisKey)keys.Unread(notice.User),
                            id = notice.Id,
                            notice = Json(notice),
                            score = notice.DeliveredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                            capacity = options.Value.InboxCapacity.ToString(CultureInfo.InvariantCulture),
                        }
                    )
            )!;
        var added = (int)result[0] == 1;
        var stored = Read((RedisValue)result[1]);
        if (added)
            await PublishAsync(new InboxChange(notice.User, InboxChangeKind.Added, stored, (long)result[2]));
        return (stored, added);
    }

    /// <summary>One of the person's notices; null when they have none of that id.</summary>
    public async Task<InboxNotice?> FindAsync(string user, string id)
    {
        var stored = await redis.GetDatabase().HashGetAsync(keys.InboxItems(user), id);
        return stored.IsNull ? null : Read(stored);
    }

    public async Task<long> UnreadAsync(string user) => await redis.GetDatabase().SetLengthAsync(keys.Unread(user));

    /// <summary>A page of the person's notices, newest first, and how many there are (of those asked for).</summary>
    public async Task<(IReadOnlyList<InboxNotice> Items, int Total, long Unread)> PageAsync(
        string user,
        int skip,
        int take,
        bool unreadOnly
    )
    {
        var db = redis.GetDatabase();
        var ids = await db.SortedSetRangeByRankAsync(keys.Inbox(user), order: Order.Descending);
        if (unreadOnly)
        {
            var unread = (await db.SetMembersAsync(keys.Unread(user))).Select(v => (string)v!).ToHashSet();
            ids = [.. ids.Where(id => unread.Contains((string)id!))];
        }
        var page = ids.Skip(skip).Take(take).ToArray();
        var items = page.Length == 0 ? [] : await db.HashGetAsync(keys.InboxItems(user), page);
        return ([.. items.Where(v => !v.IsNull).Select(Read)], ids.Length, await UnreadAsync(user));
    }

    /// <summary>
    /// Changes one of the person's notices (<paramref name="change"/> returns null to leave it) and keeps the unread
    /// set in step; publishes the change. Null when the person has no notice of that id.
    /// </summary>
    public async Task<InboxNotice?> UpdateAsync(string user, string id, Func<InboxNotice, InboxNotice?> change)
    {
        var db = redis.GetDatabase();
        var key = keys.InboxItems(user);
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var stored = await db.HashGetAsync(key, id);
            if (stored.IsNull)
                return null;
            var before = Read(stored);
            if (change(before) is not { } after)
                return before;
            var tx = db.CreateTransaction();
            tx.AddCondition(Condition.HashEqual(key, id, stored));
            _ = tx.HashSetAsync(key, id, Json(after));
            _ = after.Read ? tx.SetRemoveAsync(keys.Unread(user), id) : tx.SetAddAsync(keys.Unread(user), id);
            var unread = tx.SetLengthAsync(keys.Unread(user));
            if (!await tx.ExecuteAsync())
                continue;
            await PublishAsync(new InboxChange(user, InboxChangeKind.Updated, after, await unread));
            return after;
        }
        throw new InvalidOperationException($"changing notice {id} of {user} lost {MaxRaces} races");
    }

    private Task PublishAsync(InboxChange change) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.InboxChanges), Json(change));
}
