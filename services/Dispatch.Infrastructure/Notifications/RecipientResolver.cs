using System.Collections.Concurrent;
using Dispatch.Domain;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>
/// The people of the operations hub who are on no unit's roster: the user directory's dispatchers and reviewers.
/// </summary>
public interface INoticeDirectory
{
    /// <summary>The ids of the users who have <paramref name="role"/>.</summary>
    IReadOnlyList<string> UsersIn(Role role);
}

/// <summary>
/// Turns a notice's recipient (a role) into people at a moment: unit roles by the unit's current roster, which the
/// unit's grain (<see cref="IUnitGrain"/>) holds as unit staff change it, and, only where no unit grain knows the unit,
/// the roster shipped in the catalog; the district duty leader by the hub's roster; dispatchers and reviewers by the
/// user directory; a named user, and an assignee the dispatch named, as they are. A roster is asked for at most once
/// per unit every few seconds.
/// </summary>
public sealed class RecipientResolver(
    IGrainFactory grains,
    DutyRoster catalogRoster,
    Catalog catalog,
    INoticeDirectory directory,
    TimeProvider clock,
    ILogger<RecipientResolver> logger
)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, DutyRoster Roster)> _rosters = new();
    private readonly string? _hub = catalog.Units.FirstOrDefault(u => u.Kind == UnitKind.Hub)?.Code;
    private int _warned;

    /// <summary>The people <paramref name="to"/> names at <paramref name="at"/>; empty when it names nobody.</summary>
    public async Task<IReadOnlyList<string>> PeopleAsync(NoticeRecipient to, DateTimeOffset at)
    {
        switch (to.Role)
        {
            case NoticeRole.Dispatchers:
                return directory.UsersIn(Role.Dispatcher);
            case NoticeRole.Reviewers:
                return directory.UsersIn(Role.Reviewer);
            case NoticeRole.User:
            case NoticeRole.Assignee when to.UserId is not null:
                return to.People(catalogRoster, at);
            case NoticeRole.DistrictDutyLeader:
                return to.People(await RosterWithAsync(_hub), at);
            default:
                return to.People(await RosterWithAsync(to.Unit), at);
        }
    }

    /// <summary>
    /// The catalog's roster with <paramref name="unit"/>'s current roster in place of the shipped one.
    /// </summary>
    private async Task<DutyRoster> RosterWithAsync(string? unit)
    {
        if (unit is null)
            return catalogRoster;
        var now = clock.GetUtcNow();
        if (_rosters.TryGetValue(unit, out var cached) && now - cached.At < Fresh)
            return cached.Roster;
        var current = await CurrentAsync(unit);
        var roster = current is null
            ? catalogRoster
            : new DutyRoster(
                catalogRoster.TimeZone,
                catalogRoster.Units.Where(u => u.Unit != unit).Append(current),
                catalogRoster.DistrictDutyLeaders
            );
        _rosters[unit] = (now, roster);
        return roster;
    }

    private async Task<UnitRoster?> CurrentAsync(string unit)
    {
        IUnitGrain grain;
        try
        {
            grain = grains.GetGrain<IUnitGrain>(unit);
        }
        catch (ArgumentException e)
        {
            // A cluster whose silos carry no unit grain: the shipped roster is all there is.
            if (Interlocked.Exchange(ref _warned, 1) == 0)
                logger.LogWarning(e, "No unit grain in this cluster; notices go by the catalog's roster");
            return null;
        }
        return await grain.GetRosterAsync();
    }
}
