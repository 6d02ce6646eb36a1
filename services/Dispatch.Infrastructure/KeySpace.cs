namespace Dispatch.Infrastructure;

/// <summary>
/// The namespace of one deployment's Redis keys: every key begins with a hash tag that holds the service id
/// (<c>Orleans:ServiceId</c>), so two deployments can share a Redis. Each store names its own keys through it.
/// A key's hash tag decides its slot on a Redis Cluster: <see cref="Shared"/> keys sit in the deployment's one
/// slot; <see cref="Tagged"/> keys in the slot of their own tag, so that keys one script touches share a slot
/// and unrelated entities spread over the shards.
/// </summary>
public sealed record KeySpace(string ServiceId)
{
    /// <summary>A key in the deployment's own slot: <c>{service}:name</c>.</summary>
    public string Shared(string name) => $"{{{ServiceId}}}:{name}";

    /// <summary>A key in the slot of <paramref name="tag"/>: <c>{service:tag}:name</c>.</summary>
    public string Tagged(string tag, string name) => $"{{{ServiceId}:{tag}}}:{name}";
}
