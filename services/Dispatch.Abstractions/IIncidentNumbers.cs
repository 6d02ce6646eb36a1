namespace Dispatch.Abstractions;

/// <summary>
/// Hands out incident numbers a person can read out on the phone, <c>PT-20261128-000123</c>: the district code, the
/// day in Shanghai, and a counter of that day shared by every silo. The same report (same reporter and command id)
/// always gets the same number.
/// </summary>
public interface IIncidentNumbers
{
    Task<string> AssignAsync(string reporter, string commandId, string prefix);
}
