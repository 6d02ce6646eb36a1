using StackExchange.Redis;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// A Redis failure inside a grain call leaves the silo as an <see cref="OrleansException"/> that names it: the
/// Redis exception types have no Orleans codec, and would otherwise reach the caller as a serialization error
/// that says nothing about the outage.
/// </summary>
public sealed class StoreOutageCallFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (RedisException e)
        {
            throw new OrleansException($"the store is unavailable: {e.GetType().Name}: {e.Message}");
        }
    }
}
