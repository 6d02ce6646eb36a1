using Dispatch.Api.Auth;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Domain;
using Microsoft.Extensions.Options;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// The workers known to dispatch (the directory's users with the worker role), and the recommendation for an
/// incident: the catalog's route gives the units (scope); the lead unit's workers are ranked by open workload,
/// then by distance from their last known position (or their street's centre) to the incident.
/// </summary>
public sealed class Roster(IOptions<IdentityOptions> identity, Catalog catalog, ReadModelStore store)
{
    public IEnumerable<DirectoryUser> WorkersOf(string unit) =>
        identity.Value.Users.Where(u => string.Equals(u.Role, nameof(Role.Worker), StringComparison.OrdinalIgnoreCase) && u.Unit == unit);

    public bool IsWorkerOf(string worker, string unit) => WorkersOf(unit).Any(u => u.Id == worker);

    public async Task<V1.DispatchRecommendation> RecommendAsync(Incident incident)
    {
        var route = catalog.Route(incident.Type, incident.Street);
        var candidates = new List<V1.WorkerCandidate>();
        foreach (var worker in WorkersOf(route.Lead))
        {
            var from = await store.PositionAsync(worker.Id)
                ?? worker.Streets.Select(catalog.FindStreet).OfType<Street>().Select(s => (GeoPoint?)s.Centre).FirstOrDefault();
            candidates.Add(new V1.WorkerCandidate
            {
                UserId = worker.Id, Name = worker.Name, OpenTasks = await store.OpenTasksAsync(worker.Id),
                DistanceM = from is { } a && incident.Location is { } b ? Math.Round(a.MetresTo(b)) : -1,
            });
        }
        var recommendation = new V1.DispatchRecommendation { LeadUnit = route.Lead };
        recommendation.CoUnits.AddRange(route.CoUnits);
        recommendation.Workers.AddRange(candidates
            .OrderBy(c => c.OpenTasks)
            .ThenBy(c => c.DistanceM < 0 ? double.MaxValue : c.DistanceM)
            .ThenBy(c => c.UserId, StringComparer.Ordinal));
        return recommendation;
    }
}
