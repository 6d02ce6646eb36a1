using Dispatch.Api.Auth;
using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;
using Microsoft.Extensions.Options;

namespace Dispatch.Api.Notifications;

/// <summary>
/// The dispatchers and reviewers notices go to: the user directory's users with that role (<c>Identity:Users</c>),
/// which also serve as the roster of the hub's desks when tokens come from an external issuer.
/// </summary>
public sealed class DirectoryRecipients(IOptions<IdentityOptions> identity) : INoticeDirectory
{
    public IReadOnlyList<string> UsersIn(Role role) =>
        [
            .. identity
                .Value.Users.Where(u =>
                    string.Equals(u.Role, role.ToString(), StringComparison.OrdinalIgnoreCase) && u.Id.Length > 0
                )
                .Select(u => u.Id)
                .Distinct()
                .Order(StringComparer.Ordinal),
        ];
}
