using Dispatch.Abstractions;
using Dispatch.Domain;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// Who can take a unit's assignment, and the recommendation for an incident: the catalog's route gives the units; each
/// unit's grain ranks its people on duty (free before busy, fewer open tasks, nearer by their phone's own fix) and
/// names the person machine dispatch would choose (its duty officer when nobody is on duty).
/// </summary>
public sealed class Roster(IGrainFactory grains, Catalog catalog, People people)
{
    /// <summary>Whether <paramref name="userId"/> is on the roster of <paramref name="unit"/>.</summary>
    public async Task<bool> IsPersonOfAsync(string userId, string unit) =>
        (await grains.GetGrain<IUnitGrain>(unit).GetRosterAsync())?.Find(userId) is not null;

    public async Task<V1.DispatchRecommendation> RecommendAsync(Incident incident)
    {
        var route = catalog.Route(incident.Type, incident.Street);
        var recommendation = new V1.DispatchRecommendation { LeadUnit = route.Lead };
        recommendation.CoUnits.AddRange(route.CoUnits);
        foreach (var (unit, lead) in route.CoUnits.Select(u => (u, false)).Prepend((route.Lead, true)))
        {
            var grain = grains.GetGrain<IUnitGrain>(unit);
            var ranked = await grain.RankAsync(incident.Location);
            var pick = await grain.PickAsync(incident.Location);
            var candidates = new V1.UnitCandidates
            {
                Unit = unit,
                Lead = lead,
                Pick = pick.UserId,
                PickBasis = pick.Basis.ToString(),
            };
            candidates.Workers.AddRange(
                ranked.Select(c => new V1.WorkerCandidate
                {
                    UserId = c.Person.UserId,
                    Name = people.NameOf(c.Person.UserId),
                    OpenTasks = c.OpenTasks,
                    DistanceM = c.Metres is { } metres ? Math.Round(metres) : -1,
                    Status = c.Status.ToString(),
                })
            );
            recommendation.Units.Add(candidates);
            if (lead)
                recommendation.Workers.AddRange(candidates.Workers);
        }
        return recommendation;
    }
}
