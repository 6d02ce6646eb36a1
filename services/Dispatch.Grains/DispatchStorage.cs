namespace Dispatch.Grains;

/// <summary>The Orleans storage provider every Dispatch grain keeps its state in.</summary>
public static class DispatchStorage
{
    public const string Name = "dispatch";
}
