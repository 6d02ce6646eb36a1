using Dispatch.Api.Auth;
using Dispatch.Api.Notifications;
using Dispatch.Api.Open311;
using Dispatch.Api.Services;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Dispatch.Api;

/// <summary>
/// The case, field and audit API for whichever host runs it (its own process, or the embedded all-in-one): gRPC
/// on an HTTP/2 port, the same services as JSON (gRPC JSON transcoding) plus Open311 and evidence downloads on an
/// HTTP/1.1 port for browsers, bearer tokens, and the read model's projections.
/// </summary>
public static class ApiHosting
{
    /// <summary>The seeded demo users of the development identity provider (listed in the README).</summary>
    public const string DemoUsersFile = "demo-users.json";

    public static WebApplicationBuilder AddDispatchApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var options = configuration.GetSection("Api").Get<ApiOptions>() ?? new ApiOptions();
        services.Configure<ApiOptions>(configuration.GetSection("Api"));
        // Demo users with a published password must not be reachable from the network: then loopback only,
        // unless Api:Listen says "any" (a demo in containers, where loopback is the container's own).
        builder.ListenDispatch(
            "Api",
            loopbackByDefault: configuration.GetValue("Identity:DemoUsers", false),
            Endpoints.Public(options.GrpcPort, HttpProtocols.Http2),
            Endpoints.Public(options.HttpPort, HttpProtocols.Http1)
        );
        // Base64 in JSON grows a photo by a third.
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Limits.MaxRequestBodySize = options.MaxEvidenceBytes * 2L + 1024 * 1024
        );

        if (!services.Any(s => s.ServiceType == typeof(Catalog)))
        {
            var folder = configuration["Catalog:Path"] is { Length: > 0 } path
                ? path
                : CatalogLoader.DefaultDirectory();
            var catalog = CatalogLoader.Load(folder);
            services.AddSingleton(catalog);
            services.AddSingleton(new Lifecycle(catalog));
            services.AddSingleton(RosterLoader.Load(folder, catalog));
        }
        services.AddSingleton(TimeProvider.System);
        services.AddDispatchResilience();
        services.AddSingleton<ReadModelStore>();
        services.AddSingleton<ReadLog>();
        services.AddSingleton<EvidenceStore>();
        services.AddSingleton<Incidents>();
        services.AddSingleton<Roster>();
        services.AddSingleton<People>();
        services.AddSingleton<IncidentProjection>();
        services.AddHostedService(sp => sp.GetRequiredService<IncidentProjection>());
        services.AddSingleton<AlertIndex>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertIndex>());
        services.AddSingleton<ConsoleGazetteer>();
        services.AddSingleton<DeviceAlertCounter>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceAlertCounter>());
        services.AddSingleton<ChangeFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeFeed>());
        services.AddDispatchArchive(configuration);

        AddIdentity(builder);
        builder.AddDispatchNotifications();
        services.AddDispatchLimits(configuration);
        services
            .AddDispatchGrpc()
            .AddServiceOptions<FieldService>(grpc => grpc.MaxReceiveMessageSize = options.MaxEvidenceBytes + 64 * 1024)
            // The rich error details travel to the pages too: the JSON error carries ErrorInfo and BadRequest.
            .AddJsonTranscoding(o =>
                o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
                    Google.Rpc.ErrorInfo.Descriptor,
                    Google.Rpc.BadRequest.Descriptor
                )
            );
        return builder;
    }

    /// <summary>
    /// Bearer tokens from the development identity provider, or from an external OIDC issuer when one is configured.
    /// </summary>
    private static void AddIdentity(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue("Identity:DemoUsers", false))
            builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, DemoUsersFile), optional: false);
        var identity = builder.Configuration.GetSection("Identity").Get<IdentityOptions>() ?? new IdentityOptions();
        if (builder.Configuration.GetValue("Identity:DemoUsers", false))
            identity.Users.AddRange(RosterDemoUsers(builder.Configuration, identity));
        builder.Services.AddSingleton(Options.Create(identity));
        DevelopmentIdentity? development = null;
        if (identity.Authority is not { Length: > 0 })
        {
            development = new DevelopmentIdentity(identity, TimeProvider.System);
            builder.Services.AddSingleton(development);
        }
        builder
            .Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAudience = identity.Audience,
                    NameClaimType = DispatchClaims.Subject,
                    RoleClaimType = DispatchClaims.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                if (development is not null)
                {
                    jwt.TokenValidationParameters.ValidIssuer = identity.Issuer;
                    jwt.TokenValidationParameters.IssuerSigningKey = development.Key;
                }
                else
                {
                    jwt.Authority = identity.Authority;
                    jwt.RequireHttpsMetadata = identity.Authority.StartsWith(
                        "https://",
                        StringComparison.OrdinalIgnoreCase
                    );
                }
            });
        builder.Services.AddDispatchPermissions();
    }

    /// <summary>
    /// The roster's people as demo users (password as the other demo users'), so that whoever machine dispatch picks
    /// can sign in: workers as workers, duty officers and heads as their unit's staff. A demo user of the same id wins.
    /// </summary>
    private static IEnumerable<DirectoryUser> RosterDemoUsers(IConfiguration configuration, IdentityOptions identity)
    {
        var folder = configuration["Catalog:Path"] is { Length: > 0 } path ? path : CatalogLoader.DefaultDirectory();
        var roster = RosterLoader.Load(folder, CatalogLoader.Load(folder));
        var password = identity.Users.FirstOrDefault()?.Password ?? "dispatch";
        var known = identity.Users.Select(u => u.Id).ToHashSet();
        return roster
            .People.Where(p => !known.Contains(p.UserId))
            .Select(p => new DirectoryUser
            {
                Id = p.UserId,
                Name = p.Name,
                Password = password,
                Unit = p.Unit,
                Role = p.Role == StaffRole.Worker ? nameof(Role.Worker) : nameof(Role.UnitStaff),
            });
    }

    public static WebApplication MapDispatchApi(this WebApplication app)
    {
        app.UseDispatchHeaders(WebRoot(app.Configuration));
        app.MapDispatchPages(WebRoot(app.Configuration));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseDispatchLimits();
        app.MapGrpcService<IdentityService>();
        app.MapGrpcService<CasesService>().RequireAuthorization();
        app.MapGrpcService<FieldService>().RequireAuthorization();
        app.MapGrpcService<AuditService>().RequireAuthorization();
        app.MapGrpcService<RosterService>().RequireAuthorization();
        app.MapDispatchNotifications();
        app.MapGrpcService<ConsoleService>().RequireAuthorization();
        app.MapOverview();
        app.MapMapConfig();
        app.MapEvidenceDownload();
        app.MapOpen311();
        return app;
    }

    /// <summary>
    /// The pages: <c>Api:WebRoot</c>, else a <c>wwwroot</c> next to the program (a container), else this project's
    /// own <c>services/Dispatch.Api/wwwroot</c> found above it (a build from the repository).
    /// </summary>
    public static string WebRoot(IConfiguration configuration)
    {
        if (configuration["Api:WebRoot"] is { Length: > 0 } configured)
            return configured;
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (File.Exists(Path.Combine(beside, "index.html")))
            return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "services", "Dispatch.Api", "wwwroot");
            if (File.Exists(Path.Combine(candidate, "index.html")))
                return candidate;
        }
        throw new DirectoryNotFoundException(
            $"no wwwroot with the pages next to {AppContext.BaseDirectory} or above it; set Api:WebRoot"
        );
    }

    /// <summary>
    /// GET /api/v1/evidence/{id}: the photo, for those who may see its incident; logged like any read.
    /// </summary>
    private static void MapEvidenceDownload(this WebApplication app) =>
        app.MapGet(
                "/api/v1/evidence/{id}",
                async (string id, HttpContext http, EvidenceStore evidence, Incidents incidents, ReadLog reads) =>
                {
                    if (DispatchClaims.Read(http.User) is not { } who || !Access.May(who, Permission.ReadIncidents))
                        return Results.Forbid();
                    if (await evidence.FindAsync(id) is not { } meta)
                        return Results.NotFound();
                    Incident incident;
                    try
                    {
                        incident = await incidents.VisibleAsync(who, meta.Number);
                    }
                    catch (Grpc.Core.RpcException)
                    {
                        return Results.NotFound();
                    }
                    // A photo cannot be masked the way text can: roles that see personal data masked do not get it.
                    if (Masking.Applies(who, incident, incidents.Catalog))
                        return Results.Forbid();
                    await reads.RecordAsync(who, meta.Number, "evidence");
                    return await evidence.ContentAsync(id) is { } content
                        ? Headers.Evidence(content, meta)
                        : Results.NotFound();
                }
            )
            .RequireAuthorization();
}
