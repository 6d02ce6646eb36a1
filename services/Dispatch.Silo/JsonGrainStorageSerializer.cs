using System.Text.Json;
using Orleans.Storage;

namespace Dispatch.Silo;

/// <summary>
/// Grain state as System.Text.Json: readable in Redis, and the domain's records need no Orleans attributes.
/// </summary>
public sealed class JsonGrainStorageSerializer(JsonSerializerOptions options) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(input, options));

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(options)!;
}
