using Dispatch.Api.Auth;
using Dispatch.Domain;
using Grpc.Core;

namespace Dispatch.Api.Services;

/// <summary>Who is calling, from the bearer token the authentication middleware checked, and what they may do.</summary>
public static class Caller
{
    public static Principal Of(ServerCallContext context) =>
        DispatchClaims.Read(context.GetHttpContext().User)
        ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "authorization: sign in and send \"Bearer <token>\"; the token names no user or role"));

    /// <summary>The caller, if their role grants <paramref name="permission"/>; PERMISSION_DENIED otherwise.</summary>
    public static Principal With(ServerCallContext context, Permission permission)
    {
        var who = Of(context);
        return Access.May(who, permission) ? who
            : throw new RpcException(new Status(StatusCode.PermissionDenied, $"role {who.Role} may not {permission}"));
    }
}
