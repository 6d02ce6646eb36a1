using Dispatch.Domain;
using Dispatch.Infrastructure.ReadModel;

namespace Dispatch.Infrastructure.Archive;

/// <summary>
/// The evaluation facts of the incidents reported in a period, wherever they are: the read model's (hot) and the
/// archive's (incidents that have left Redis), each incident once. The hot facts are read first: an incident that
/// leaves Redis meanwhile had its facts written to the archive before they left the read model, so the archive read
/// after finds it. In the order of the read model's index: by report time, then number.
/// </summary>
public sealed class AuditFacts(ReadModelStore store, IArchive archive)
{
    public async Task<IReadOnlyList<IncidentFacts>> ReportedAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var hot = await store.FactsReportedAsync(from, to);
        var all = (await archive.FactsReportedAsync(from, to)).ToDictionary(f => f.Number);
        foreach (var facts in hot)
            all[facts.Number] = facts;
        return
        [
            .. all
                .Values.OrderBy(f => f.ReportedAt.ToUnixTimeMilliseconds())
                .ThenBy(f => f.Number, StringComparer.Ordinal),
        ];
    }
}
