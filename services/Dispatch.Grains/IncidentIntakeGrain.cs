using Dispatch.Abstractions;
using Dispatch.Domain;
using Orleans.Concurrency;

namespace Dispatch.Grains;

/// <summary>
/// Where clients (services, people's channels) report new incidents: <see cref="IncidentIntake"/> behind a grain.
/// Stateless and reentrant: every silo runs it, and each activation works on many reports at once.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class IncidentIntakeGrain(IncidentIntake intake) : Grain, IIncidentIntakeGrain
{
    public Task<CommandResult> ReportAsync(ReportIncident report) => intake.ReportAsync(report);
}
