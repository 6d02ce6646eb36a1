using Dispatch.Api.Auth;
using Dispatch.Domain;
using Dispatch.ServiceDefaults;
using Grpc.Core;

namespace Dispatch.Api.Services;

/// <summary>
/// Who is calling, from the bearer token the authentication middleware checked. What they may do is declared on the
/// service methods as authorization policies (see <see cref="Permissions"/>).
/// </summary>
public static class Caller
{
    public static Principal Of(ServerCallContext context) =>
        DispatchClaims.Read(context.GetHttpContext().User)
        ?? throw Problems.Refused(
            StatusCode.Unauthenticated,
            Problems.Reasons.Unauthenticated,
            "authorization: sign in and send \"Bearer <token>\"; the token names no user or role",
            "authorization"
        );
}
