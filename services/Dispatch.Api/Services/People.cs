using System.Collections.Concurrent;
using Dispatch.Api.Auth;
using Dispatch.Domain;
using Microsoft.Extensions.Options;

namespace Dispatch.Api.Services;

/// <summary>
/// Names of people for people to read (timelines, assignments, the map): the roster's staff, then the directory's
/// users (dispatchers, reviewers, auditors). A roster changed through this process updates it at once; another API
/// process learns the new names when it starts.
/// </summary>
public sealed class People(IOptions<IdentityOptions> identity, DutyRoster roster)
{
    private readonly ConcurrentDictionary<string, string> _names = new(
        roster
            .People.Select(p => KeyValuePair.Create(p.UserId, p.Name))
            .Concat(identity.Value.Users.Select(u => KeyValuePair.Create(u.Id, u.Name)))
            .DistinctBy(p => p.Key)
    );

    /// <summary>The person's name, or their id when nobody of that id is known.</summary>
    public string NameOf(string userId) => _names.TryGetValue(userId, out var name) ? name : userId;

    public void Learn(UnitRoster unit)
    {
        foreach (var person in unit.Staff)
            _names[person.UserId] = person.Name;
    }
}
