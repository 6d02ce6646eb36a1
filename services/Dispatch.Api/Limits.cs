using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Dispatch.Api.Auth;
using Dispatch.Api.Notifications;
using Dispatch.Api.Open311;
using Dispatch.Api.Services;
using Dispatch.ServiceDefaults;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api;

/// <summary>The API's limits (section <c>Limits</c>); every one has a default.</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    public SignInLimits SignIn { get; set; } = new();

    /// <summary>Open311 reports (POST requests) per api_key and minute, on average.</summary>
    public int Open311PerMinute { get; set; } = 60;

    /// <summary>Open311 reports one api_key may send at once, before the per-minute rate holds it back.</summary>
    public int Open311Burst { get; set; } = 20;

    /// <summary>Commands (gRPC or JSON) per user and second, on average.</summary>
    public int CommandsPerSecond { get; set; } = 20;

    /// <summary>Commands one user may send at once, before the per-second rate holds them back.</summary>
    public int CommandBurst { get; set; } = 200;

    /// <summary>The body of a call that names no larger limit of its own.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The body of a sign-in.</summary>
    public int MaxSignInBytes { get; set; } = 4 * 1024;

    /// <summary>The body of the replay of a phone's queued commands.</summary>
    public int MaxReplayBytes { get; set; } = 256 * 1024;
}

/// <summary>Sign-in attempts (section <c>Limits:SignIn</c>).</summary>
public sealed class SignInLimits
{
    /// <summary>Failed sign-ins of one user before the user is locked out.</summary>
    public int FailuresPerUser { get; set; } = 5;

    /// <summary>Failed sign-ins from one address (whatever the user) before the address is locked out.</summary>
    public int FailuresPerAddress { get; set; } = 20;

    /// <summary>The first lockout; each further one lasts twice the last, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan Lockout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>After this long without a failure, their failures and lockouts are forgotten.</summary>
    public TimeSpan Forget { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Sign-in attempts per address and minute, right or wrong, on average.</summary>
    public int AttemptsPerMinute { get; set; } = 60;

    /// <summary>Attempts one address may make at once, before the per-minute rate holds it back.</summary>
    public int AttemptBurst { get; set; } = 30;
}

/// <summary>
/// The API's limits at its edge, before any work: ASP.NET Core rate limiting per caller (sign-in attempts per
/// address, Open311 reports per api_key, commands per user), a lockout of users and addresses that keep failing to
/// sign in (growing with each lockout), the size of each call's body (a few KB for a sign-in), and
/// <see cref="InputLimits"/> on every request of the API's gRPC services and their JSON routes. A caller held back
/// gets RESOURCE_EXHAUSTED (HTTP 429) with <c>Retry-After</c> and the same wait in <c>ErrorInfo.metadata</c>
/// (<c>retry_after_seconds</c>); Open311 callers get the spec's error document with code 429; a body too large is
/// RESOURCE_EXHAUSTED (HTTP 413) before it is read.
/// </summary>
public static class Limits
{
    private const string TooLarge = "REQUEST_TOO_LARGE";

    public static IServiceCollection AddDispatchLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LimitOptions>(configuration.GetSection(LimitOptions.Section));
        services.TryAddSingleton(new InputLimits());
        services.AddSingleton<SignInLockout>();
        services.AddSingleton<ApiMethods>();
        // A gRPC message is refused by its length prefix, before it is read, past the body limit of its calls.
        services
            .AddOptions<GrpcServiceOptions<IdentityService>>()
            .PostConfigure<IOptions<LimitOptions>>(
                (o, limits) =>
                {
                    o.Interceptors.Add<SignInGuard>();
                    o.Interceptors.Add<InputLimitsInterceptor>();
                    o.MaxReceiveMessageSize = limits.Value.MaxSignInBytes;
                }
            );
        services
            .AddOptions<GrpcServiceOptions<CasesService>>()
            .PostConfigure<IOptions<LimitOptions>>(
                (o, limits) =>
                {
                    o.Interceptors.Add<InputLimitsInterceptor>();
                    o.MaxReceiveMessageSize = limits.Value.MaxBodyBytes;
                }
            );
        services
            .AddOptions<GrpcServiceOptions<AuditService>>()
            .PostConfigure<IOptions<LimitOptions>>(
                (o, limits) =>
                {
                    o.Interceptors.Add<InputLimitsInterceptor>();
                    o.MaxReceiveMessageSize = limits.Value.MaxBodyBytes;
                }
            );
        services.PostConfigure<GrpcServiceOptions<FieldService>>(o => o.Interceptors.Add<InputLimitsInterceptor>());
        services.PostConfigure<GrpcServiceOptions<RosterService>>(o => o.Interceptors.Add<InputLimitsInterceptor>());
        services.PostConfigure<GrpcServiceOptions<NotificationsService>>(o =>
            o.Interceptors.Add<InputLimitsInterceptor>()
        );
        services.AddRateLimiter(_ => { });
        services
            .AddOptions<RateLimiterOptions>()
            .Configure<IOptions<LimitOptions>, ApiMethods>(
                (rates, options, calls) =>
                {
                    rates.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                        Partition(http, options.Value, calls)
                    );
                    rates.OnRejected = (rejected, _) =>
                        new ValueTask(RejectedAsync(rejected.HttpContext, rejected.Lease));
                }
            );
        return services;
    }

    /// <summary>The limits in the pipeline: after authentication (commands count per user), before endpoints.</summary>
    public static WebApplication UseDispatchLimits(this WebApplication app)
    {
        var methods = app.Services.GetRequiredService<ApiMethods>();
        var limits = app.Services.GetRequiredService<IOptions<LimitOptions>>().Value;
        var evidence = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxEvidenceBytes;
        app.Use(
            async (http, next) =>
            {
                // gRPC limits each message by its length prefix (MaxReceiveMessageSize, set per service), unread.
                if (
                    BodyLimit(http, methods, limits, evidence) is not { } limit
                    || http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
                )
                {
                    await next(http);
                    return;
                }
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                    feature.MaxRequestBodySize = limit;
                if (http.Request.ContentLength > limit)
                {
                    await TooLargeAsync(http, limit);
                    return;
                }
                // An Open311 report is counted against its api_key, a field of its form: the form is read (and kept
                // for the endpoint) before the rate limiter partitions by it.
                if (Open311Post(http) && http.Request.HasFormContentType)
                {
                    http.Request.EnableBuffering(limit);
                    try
                    {
                        await http.Request.ReadFormAsync();
                    }
                    catch (Exception e) when (e is BadHttpRequestException or InvalidDataException or IOException)
                    {
                        // The endpoint reads it again and says what is wrong with it.
                    }
                    http.Request.Body.Position = 0;
                }
                await next(http);
            }
        );
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The body limit of an API call, or null for what is no call of this API (the pages, ingest).</summary>
    private static long? BodyLimit(HttpContext http, ApiMethods methods, LimitOptions limits, int evidence) =>
        methods.Of(http) switch
        {
            { Service: "dispatch.v1.Identity", Name: "SignIn" } => limits.MaxSignInBytes,
            { Service: "dispatch.v1.Field", Name: "UploadEvidence" } => evidence * 4L / 3 + 64 * 1024, // base64 in JSON
            { Service: "dispatch.v1.Field", Name: "ReplayQueued" } => limits.MaxReplayBytes,
            { } method when ApiMethods.Services.Contains(method.Service) => limits.MaxBodyBytes,
            _ => Open311Post(http) ? limits.MaxBodyBytes : null,
        };

    private static bool Open311Post(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method)
        && http.Request.Path.StartsWithSegments(Open311Endpoints.Base)
        && http.Request.Path.Value!.StartsWith($"{Open311Endpoints.Base}/requests.", StringComparison.Ordinal);

    private static async Task TooLargeAsync(HttpContext http, long limit)
    {
        var message = $"request body: {http.Request.ContentLength} bytes is more than the {limit} this call takes";
        if (Open311Post(http))
        {
            await Open311ErrorAsync(http, StatusCodes.Status413PayloadTooLarge, message);
            return;
        }
        // RESOURCE_EXHAUSTED, as gRPC says of a message too large; over HTTP the status that says so.
        http.Response.OnStarting(() =>
        {
            if (http.Response.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        });
        await Refusals.WriteAsync(http, StatusCode.ResourceExhausted, TooLarge, message, "body");
    }

    private static RateLimitPartition<string> Partition(HttpContext http, LimitOptions limits, ApiMethods methods)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (Open311Post(http))
        {
            var key = http.Features.Get<IFormFeature>()?.Form?["api_key"].ToString() is { Length: > 0 } given
                ? $"key:{given}"
                : $"address:{address}";
            return Bucket($"open311|{key}", limits.Open311Burst, limits.Open311PerMinute, TimeSpan.FromMinutes(1));
        }
        var method = methods.Of(http);
        if (method is { Service: "dispatch.v1.Identity", Name: "SignIn" })
        {
            var signIn = limits.SignIn;
            return Bucket($"sign-in|{address}", signIn.AttemptBurst, signIn.AttemptsPerMinute, TimeSpan.FromMinutes(1));
        }
        var user = http.User.FindFirst(DispatchClaims.Subject)?.Value;
        if (method is { } call && methods.IsCommand(call) && user is not null)
            return Bucket($"commands|{user}", limits.CommandBurst, limits.CommandsPerSecond, TimeSpan.FromSeconds(1));
        return RateLimitPartition.GetNoLimiter("");
    }

    private static RateLimitPartition<string> Bucket(string key, int burst, int perPeriod, TimeSpan period) =>
        RateLimitPartition.GetTokenBucketLimiter(
            key,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, burst),
                TokensPerPeriod = Math.Max(1, perPeriod),
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }
        );

    private static async Task RejectedAsync(HttpContext http, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        if (Open311Post(http))
        {
            http.Response.Headers.RetryAfter = InputLimits.RetryAfterSeconds(wait);
            await Open311ErrorAsync(
                http,
                StatusCodes.Status429TooManyRequests,
                $"api_key: too many requests; try again in {InputLimits.RetryAfterSeconds(wait)} s"
            );
            return;
        }
        await Waits.WriteAsync(http, $"too many calls; try again in {InputLimits.RetryAfterSeconds(wait)} s", wait);
    }

    private static Task Open311ErrorAsync(HttpContext http, int status, string description)
    {
        var json = http.Request.Path.Value!.EndsWith(".json", StringComparison.Ordinal);
        var format = json ? Open311Format.Json : Open311Format.Xml;
        var errors = new Open311Document(
            "errors",
            new Open311List("error", [new Open311Object { { "code", status }, { "description", description } }])
        );
        return new Open311Result(errors, format, status).ExecuteAsync(http);
    }
}

/// <summary>Which method of the API's services a request calls, over gRPC or through its JSON route.</summary>
internal sealed class ApiMethods
{
    /// <summary>The services of the API (and not of ingest, which may share the host).</summary>
    public static readonly IReadOnlySet<string> Services = new HashSet<string>
    {
        V1.Identity.Descriptor.FullName,
        V1.Cases.Descriptor.FullName,
        V1.Field.Descriptor.FullName,
        V1.Audit.Descriptor.FullName,
    };

    /// <summary>Calls that change something: those with a command id, evidence uploads, queued replays.</summary>
    private readonly HashSet<(string, string)> _commands =
    [
        .. new[] { V1.Cases.Descriptor, V1.Field.Descriptor }
            .SelectMany(s => s.Methods)
            .Where(m =>
                m.InputType.FindFieldByName("command_id") is not null
                || m.Name is nameof(V1.Field.FieldBase.UploadEvidence) or nameof(V1.Field.FieldBase.ReplayQueued)
            )
            .Select(m => (m.Service.FullName, m.Name)),
    ];

    public readonly record struct Method(string Service, string Name);

    public Method? Of(HttpContext http)
    {
        var metadata = http.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<GrpcJsonTranscodingMetadata>()?.MethodDescriptor is MethodDescriptor json)
            return new Method(json.Service.FullName, json.Name);
        return metadata?.GetMetadata<GrpcMethodMetadata>()?.Method is { } grpc
            ? new Method(grpc.ServiceName, grpc.Name)
            : null;
    }

    public bool IsCommand(Method method) => _commands.Contains((method.Service, method.Name));
}

/// <summary>
/// Failed sign-ins per user and per address: after <see cref="SignInLimits.FailuresPerUser"/> failures of one user,
/// or <see cref="SignInLimits.FailuresPerAddress"/> from one address, it is locked out (the right password too),
/// first for <see cref="SignInLimits.Lockout"/>, then each time twice as long, up to
/// <see cref="SignInLimits.MaxLockout"/>. A user's success clears the user's count; an address's is only forgotten
/// after <see cref="SignInLimits.Forget"/> without a failure. Made-up user ids are counted like real ones, so that a
/// lockout tells nothing about which users exist; the counts are bounded in number (what is neither locked nor
/// recent is forgotten first, and past the bound nothing new is counted: the rate limit per address still holds).
/// In memory, per API process.
/// </summary>
public sealed class SignInLockout(IOptions<LimitOptions> options, TimeProvider time)
{
    private const int MaxCounts = 200_000;
    private readonly ConcurrentDictionary<string, Count> _counts = new();
    private SignInLimits Rules => options.Value.SignIn;

    private sealed class Count
    {
        public int Failures;
        public int Lockouts;
        public DateTimeOffset LockedUntil;
        public DateTimeOffset LastFailure;
    }

    /// <summary>
    /// How long the caller must wait, and the field the lockout names (user_id; none for an address's); null when it
    /// may try.
    /// </summary>
    public (TimeSpan Wait, string? Field)? Wait(string user, string address)
    {
        var now = time.GetUtcNow();
        if (Locked(UserKey(user), now) is { } forUser)
            return (forUser, "user_id");
        return Locked(AddressKey(address), now) is { } forAddress ? (forAddress, null) : null;
    }

    public void Failed(string user, string address)
    {
        var now = time.GetUtcNow();
        if (_counts.Count >= MaxCounts)
            Prune(now);
        Fail(UserKey(user), Rules.FailuresPerUser, now);
        Fail(AddressKey(address), Rules.FailuresPerAddress, now);
    }

    public void Succeeded(string user) => _counts.TryRemove(UserKey(user), out _);

    private static string UserKey(string user) => $"user:{user}";

    private static string AddressKey(string address) => $"address:{address}";

    private TimeSpan? Locked(string key, DateTimeOffset now)
    {
        if (!_counts.TryGetValue(key, out var count))
            return null;
        lock (count)
            return count.LockedUntil > now ? count.LockedUntil - now : null;
    }

    private void Fail(string key, int threshold, DateTimeOffset now)
    {
        if (!_counts.TryGetValue(key, out var count))
        {
            if (_counts.Count >= MaxCounts)
                return;
            count = _counts.GetOrAdd(key, _ => new Count());
        }
        lock (count)
        {
            if (now - count.LastFailure > Rules.Forget)
                (count.Failures, count.Lockouts) = (0, 0);
            count.LastFailure = now;
            if (++count.Failures < Math.Max(1, threshold))
                return;
            var lockout = Rules.Lockout * Math.Pow(2, Math.Min(count.Lockouts, 30));
            count.LockedUntil = now + (lockout < Rules.MaxLockout ? lockout : Rules.MaxLockout);
            (count.Failures, count.Lockouts) = (0, count.Lockouts + 1);
        }
    }

    /// <summary>Forgets what is neither locked nor recent, to keep the memory bounded.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, count) in _counts)
        {
            bool stale;
            lock (count)
                stale = count.LockedUntil <= now && now - count.LastFailure > Rules.Lockout;
            if (stale)
                _counts.TryRemove(key, out _);
        }
    }
}

/// <summary>
/// Guards sign-in (gRPC and its JSON route): a locked-out user or address is refused before the password is checked,
/// with RESOURCE_EXHAUSTED (HTTP 429), <c>Retry-After</c> and the wait in <c>ErrorInfo.metadata</c>; a wrong
/// password counts towards a lockout, a right one clears the user's count.
/// </summary>
internal sealed class SignInGuard(SignInLockout lockout) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation
    )
    {
        if (request is not V1.SignInRequest signIn)
            return await continuation(request, context);
        var http = context.GetHttpContext();
        var (user, address) = (signIn.UserId.Trim(), http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (lockout.Wait(user, address) is { } locked)
        {
            var (wait, field) = locked;
            var who = field is null ? $"from {address}" : $"for user_id '{user}'";
            http.Response.Headers.RetryAfter = InputLimits.RetryAfterSeconds(wait);
            var seconds = InputLimits.RetryAfterSeconds(wait);
            throw InputLimits
                .Limited($"sign-in: too many failed attempts {who}; try again in {seconds} s", wait, field)
                .ToRpcException();
        }
        try
        {
            var reply = await continuation(request, context);
            lockout.Succeeded(user);
            return reply;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            lockout.Failed(user, address);
            throw;
        }
    }
}
