using Dispatch.Contracts;
using Dispatch.Domain;
using Orleans.Concurrency;

namespace Dispatch.Grains;

/// <summary>
/// Takes new reports: checks them against the lifecycle before spending a number, gives each a number, and
/// hands it to its incident grain. Stateless and reentrant: every silo runs it, and each activation works on
/// many reports at once (a non-reentrant one would hold a report while its incident is written).
/// </summary>
[StatelessWorker, Reentrant]
public sealed class IncidentIntakeGrain(Lifecycle lifecycle, IIncidentNumbers numbers, TimeProvider time) : Grain, IIncidentIntakeGrain
{
    public async Task<CommandResult> ReportAsync(ReportIncident report)
    {
        var now = time.GetUtcNow();
        var check = lifecycle.Execute("(new)", null, report, now);
        if (check.Refusal is { } refusal) return CommandResult.Refused("", report.CommandId ?? "", refusal);

        var catalog = lifecycle.Catalog;
        var prefix = $"{catalog.District.Code}-{catalog.Calendar.LocalDate(now):yyyyMMdd}-";
        var number = await numbers.AssignAsync(report.Actor.UserId, report.CommandId, prefix);
        return await GrainFactory.GetGrain<IIncidentGrain>(number).ExecuteAsync(report);
    }
}
