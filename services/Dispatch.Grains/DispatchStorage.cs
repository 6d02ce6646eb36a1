namespace Dispatch.Grains;

/// <summary>Names of the Orleans storage providers the grains use.</summary>
public static class DispatchStorage
{
    public const string Incidents = "incidents";
}
