using Dispatch.Abstractions;
using Dispatch.Domain;

namespace Dispatch.Grains;

/// <summary>
/// Takes a new report: checks it against the lifecycle before spending a number, gives it a number (the same
/// one when the same reporter sends the same command id again), and hands it to its incident grain. Silo-side,
/// so that grains which open incidents themselves (a cell correlating alerts) need no extra hop.
/// </summary>
public sealed class IncidentIntake(
    Lifecycle lifecycle,
    IIncidentNumbers numbers,
    TimeProvider time,
    IGrainFactory grains
)
{
    public async Task<CommandResult> ReportAsync(ReportIncident report)
    {
        var now = time.GetUtcNow();
        var check = lifecycle.Execute("(new)", null, report, now);
        if (check.Refusal is { } refusal)
            return CommandResult.Refused("", report.CommandId ?? "", refusal);

        var catalog = lifecycle.Catalog;
        var prefix = $"{catalog.District.Code}-{catalog.Calendar.LocalDate(now):yyyyMMdd}-";
        var number = await numbers.AssignAsync(report.Actor.UserId, report.CommandId, prefix);
        return await grains.Grain<IIncidentGrain>(number).ExecuteAsync(report);
    }
}
