using Dispatch.Api.Auth;
using Dispatch.Domain;
using Dispatch.ServiceDefaults;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>Sign-in with the development identity provider, and who the caller is (see identity.proto).</summary>
public sealed class IdentityService(IOptions<IdentityOptions> options, DevelopmentIdentity? development = null)
    : V1.Identity.IdentityBase
{
    [AllowAnonymous]
    public override Task<V1.SignInReply> SignIn(V1.SignInRequest request, ServerCallContext context)
    {
        if (development is null)
            throw Problems.Refused(
                StatusCode.FailedPrecondition,
                Problems.Reasons.FailedPrecondition,
                $"sign in at {options.Value.Authority}; this service only checks its tokens"
            );
        if (string.IsNullOrWhiteSpace(request.UserId))
            throw Problems.Invalid("user_id", "is required");
        var user =
            development.Check(request.UserId.Trim(), request.Password)
            ?? throw Problems.Refused(
                StatusCode.Unauthenticated,
                Problems.Reasons.Unauthenticated,
                "user_id or password: wrong"
            );
        var (token, expires) = development.Issue(user);
        var principal = new Principal(
            user.Id,
            System.Enum.Parse<Role>(user.Role, ignoreCase: true),
            user.Unit,
            user.Streets
        );
        return Task.FromResult(
            new V1.SignInReply
            {
                Token = token,
                ExpiresAt = Timestamp.FromDateTimeOffset(expires),
                User = Info(principal, user.Name),
            }
        );
    }

    public override Task<V1.UserInfo> WhoAmI(Empty request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var name = context.GetHttpContext().User.FindFirst(DispatchClaims.Name)?.Value ?? who.UserId;
        return Task.FromResult(Info(who, name));
    }

    private static V1.UserInfo Info(Principal who, string name)
    {
        var info = new V1.UserInfo
        {
            UserId = who.UserId,
            Name = name,
            Role = who.Role.ToString(),
            Unit = who.Unit ?? "",
        };
        info.Streets.AddRange(who.Area);
        info.Permissions.AddRange(
            System.Enum.GetValues<Permission>().Where(p => Access.May(who, p)).Select(p => p.ToString())
        );
        return info;
    }
}
