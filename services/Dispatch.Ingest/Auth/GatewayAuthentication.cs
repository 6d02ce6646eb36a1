using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Dispatch.Infrastructure;
using Dispatch.Protos;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dispatch.Ingest.Auth;

/// <summary>
/// The ingest front door's two ways in, as ASP.NET Core authentication schemes: gateways by signed metadata (see
/// <see cref="GatewaySignature"/>), administrators by bearer token. Policies on the services name them
/// (<see cref="GatewayPolicy"/>, <see cref="AdministratorPolicy"/>). A gateway's signature is checked against the
/// registry's in-memory copy before anything else, so an unknown or forged caller touches no store and no grain; only
/// a valid signature's nonce is then checked (and used) in the store. An address whose calls keep failing to
/// authenticate is refused for a while without any checking at all.
/// </summary>
public static class GatewayAuthentication
{
    public const string GatewayScheme = "GatewaySignature";
    public const string AdministratorScheme = "AdminToken";
    public const string GatewayPolicy = "Gateway";
    public const string AdministratorPolicy = "Administrator";
    public const string GatewayClaim = "dispatch.gateway";

    /// <summary>The gateway the call was signed by (after <see cref="GatewayPolicy"/> let it in).</summary>
    public static string GatewayOf(ServerCallContext context) =>
        context.GetHttpContext().User.FindFirst(GatewayClaim)?.Value
        ?? throw new InvalidOperationException("the call was not authenticated as a gateway");

    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<FailedAuthentications>();
        services
            .AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, GatewaySignatureHandler>(GatewayScheme, _ => { })
            .AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdministratorScheme, _ => { });
        services
            .AddAuthorizationBuilder()
            .AddPolicy(GatewayPolicy, p => p.AddAuthenticationSchemes(GatewayScheme).RequireClaim(GatewayClaim))
            .AddPolicy(
                AdministratorPolicy,
                p => p.AddAuthenticationSchemes(AdministratorScheme).RequireRole("Administrator")
            );
        return services;
    }

    /// <summary>Why a call could not be authenticated, as data for the challenge to write.</summary>
    private sealed record Failure(
        StatusCode Code,
        string Reason,
        string Message,
        string? Field,
        TimeSpan? RetryAfter = null
    );

    private const string FailureKey = "dispatch.auth.failure";

    private static AuthenticateResult Fail(HttpContext context, Failure failure)
    {
        context.Items[FailureKey] = failure;
        return AuthenticateResult.Fail(failure.Message);
    }

    private static Task WriteAsync(HttpContext context, Failure fallback)
    {
        var failure = context.Items.TryGetValue(FailureKey, out var known) && known is Failure f ? f : fallback;
        var headers = failure.RetryAfter is { } after
            ? new Dictionary<string, string>
            {
                ["Retry-After"] = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            }
            : null;
        return Refusals.WriteAsync(context, failure.Code, failure.Reason, failure.Message, failure.Field, headers);
    }

    private sealed class GatewaySignatureHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        GatewayRegistry registry,
        INonces nonces,
        FailedAuthentications failures,
        TimeProvider time,
        IEnumerable<IOutageClassifier> outages
    ) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (failures.Blocked(address) is { } wait)
                return Fail(
                    Context,
                    new Failure(
                        StatusCode.ResourceExhausted,
                        Problems.Reasons.RateLimited,
                        $"too many calls from {address} failed to authenticate; try again in {wait.TotalSeconds:0} s",
                        null,
                        wait
                    )
                );
            var result = await CheckAsync();
            if (!result.Succeeded && Context.Items[FailureKey] is Failure { Code: StatusCode.Unauthenticated })
                failures.Record(address);
            return result;
        }

        private async Task<AuthenticateResult> CheckAsync()
        {
            string? Header(string name) =>
                Request.Headers[name].FirstOrDefault() is { Length: > 0 } value ? value : null;
            AuthenticateResult Unauthenticated(string header, string problem) =>
                Fail(
                    Context,
                    new Failure(
                        StatusCode.Unauthenticated,
                        Problems.Reasons.Unauthenticated,
                        $"{header}: {problem}",
                        header
                    )
                );

            string[] required =
            [
                GatewaySignature.GatewayHeader,
                GatewaySignature.TimestampHeader,
                GatewaySignature.NonceHeader,
                GatewaySignature.SignatureHeader,
            ];
            foreach (var name in required)
                if (Header(name) is null)
                    return Unauthenticated(
                        name,
                        "is missing; sign every call (see the README, Gateway authentication)"
                    );
            var (gateway, nonce, signature) = (
                Header(GatewaySignature.GatewayHeader)!,
                Header(GatewaySignature.NonceHeader)!,
                Header(GatewaySignature.SignatureHeader)!
            );
            if (
                !long.TryParse(
                    Header(GatewaySignature.TimestampHeader),
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out var timestamp
                )
                || timestamp > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            )
                return Unauthenticated(GatewaySignature.TimestampHeader, "is not a Unix time in milliseconds");
            var skew = (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(timestamp)).Duration();
            if (skew > GatewaySignature.MaxSkew)
                return Unauthenticated(
                    GatewaySignature.TimestampHeader,
                    $"is {skew.TotalSeconds:F0} s from the server's clock "
                        + $"(at most {GatewaySignature.MaxSkew.TotalSeconds:F0} s)"
                );
            try
            {
                var secret = await registry.SecretAsync(gateway);
                if (
                    secret is null
                    || !GatewaySignature.Verify(secret, gateway, timestamp, nonce, Request.Path, signature)
                )
                    return Unauthenticated(
                        GatewaySignature.SignatureHeader,
                        "does not match: unknown gateway or wrong secret"
                    );
                if (!await nonces.TryUseAsync(gateway, nonce, GatewaySignature.MaxSkew * 2))
                    return Unauthenticated(GatewaySignature.NonceHeader, "was used before: a replayed call");
            }
            catch (Exception e) when (outages.Any(o => o.IsOutage(e)))
            {
                return Fail(
                    Context,
                    new Failure(
                        StatusCode.Unavailable,
                        Problems.Reasons.Unavailable,
                        $"the store is unavailable ({e.GetType().Name}); "
                            + "nothing of this call was acknowledged: send it again",
                        null
                    )
                );
            }
            var identity = new ClaimsIdentity([new Claim(GatewayClaim, gateway)], GatewayScheme);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), GatewayScheme));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
            WriteAsync(
                Context,
                new Failure(StatusCode.Unauthenticated, Problems.Reasons.Unauthenticated, "sign every call", null)
            );

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            HandleChallengeAsync(properties);
    }

    private sealed class AdminTokenHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<IngestOptions> ingest
    ) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        private static readonly Failure Refused = new(
            StatusCode.Unauthenticated,
            Problems.Reasons.Unauthenticated,
            "authorization: an administrator's bearer token is required",
            "authorization"
        );

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var token = Encoding.UTF8.GetBytes(Request.Headers.Authorization.FirstOrDefault() ?? "");
            var expected = Encoding.UTF8.GetBytes($"Bearer {ingest.Value.AdminToken}");
            if (
                string.IsNullOrEmpty(ingest.Value.AdminToken)
                || !CryptographicOperations.FixedTimeEquals(token, expected)
            )
                return Task.FromResult(Fail(Context, Refused));
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, "Administrator")], AdministratorScheme);
            return Task.FromResult(
                AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AdministratorScheme))
            );
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
            WriteAsync(Context, Refused);

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            HandleChallengeAsync(properties);
    }
}

/// <summary>
/// Failed authentications per source address: after <see cref="Limit"/> failures within <see cref="Window"/>, the
/// address is refused without any checking until the window has passed. In memory, per ingest process: it guards
/// this process's work, which is what a flood of forged calls costs.
/// </summary>
public sealed class FailedAuthentications : IDisposable
{
    public const int Limit = 20;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(
            address,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Limit,
                Window = Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }
        )
    );

    /// <summary>How long the address must wait, when it is refused now; null when it may try.</summary>
    public TimeSpan? Blocked(string address) =>
        _failures.GetStatistics(address) is { CurrentAvailablePermits: <= 0 } ? Window : null;

    public void Record(string address) => _failures.AttemptAcquire(address).Dispose();

    public void Dispose() => _failures.Dispose();
}
