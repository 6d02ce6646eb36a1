using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// Where new incidents come in (from alerts, the hotline, grid patrol, the citizen app): gives each report a
/// number a person can read out on the phone and creates its <see cref="IIncidentGrain"/>. The same report
/// (same actor and command id) always gets the same number.
/// </summary>
[Alias("Dispatch.IIncidentIntakeGrain")]
public interface IIncidentIntakeGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Checks the report, gives it a number (the same number when the same reporter sends the same command id
    /// again) and creates the incident. A refused report spends no number; its result has an empty number.
    /// </summary>
    [Alias("Report")]
    Task<CommandResult> ReportAsync(ReportIncident report);
}
