using Dispatch.Domain;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Dispatch.Api.Auth;

/// <summary>
/// Function-level access as ASP.NET Core authorization: one policy per <see cref="Permission"/>, named after it and
/// declared on the service methods (<c>[Authorize(Policy = nameof(Permission.Dispatch))]</c>), granted by the domain's
/// <see cref="Access.May"/>. Object-level rules (whose incident it is) stay in the domain's access rules, applied by
/// the services. A refusal is a PERMISSION_DENIED (403) that says which permission the role lacks.
/// </summary>
public static class Permissions
{
    public static IServiceCollection AddDispatchPermissions(this IServiceCollection services)
    {
        services.AddAuthorization(options =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
                options.AddPolicy(
                    permission.ToString(),
                    policy => policy.RequireAuthenticatedUser().AddRequirements(new Requirement(permission))
                );
        });
        services.AddSingleton<IAuthorizationHandler, Handler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalWriter>();
        return services;
    }

    /// <summary>The caller's role must grant <see cref="Permission"/>.</summary>
    public sealed record Requirement(Permission Permission) : IAuthorizationRequirement;

    private sealed class Handler : AuthorizationHandler<Requirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement)
        {
            if (DispatchClaims.Read(context.User) is not { } who)
                context.Fail(new AuthorizationFailureReason(this, "the token names no user or role a person can hold"));
            else if (Access.May(who, requirement.Permission))
                context.Succeed(requirement);
            else
                context.Fail(new AuthorizationFailureReason(this, $"role {who.Role} may not {requirement.Permission}"));
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Writes a refusal as gRPC (trailers only) or as the JSON error of the transcoded routes, with its reason.
    /// </summary>
    private sealed class RefusalWriter : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(
            RequestDelegate next,
            HttpContext context,
            AuthorizationPolicy policy,
            PolicyAuthorizationResult result
        )
        {
            if (result.Forbidden && result.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message is { } reason)
            {
                await Refusals.WriteAsync(
                    context,
                    StatusCode.PermissionDenied,
                    Problems.Reasons.PermissionDenied,
                    reason
                );
                return;
            }
            await _default.HandleAsync(next, context, policy, result);
        }
    }
}
