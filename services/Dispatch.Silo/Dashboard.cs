using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Orleans.Dashboard;

namespace Dispatch.Silo;

/// <summary>
/// The Orleans Dashboard on a silo's HTTP port at <c>/dashboard</c>, for administrators only: it is on when
/// <c>Dashboard:AdminToken</c> is set, and asks for HTTP Basic credentials (user <c>admin</c>, that token as the
/// password), which a browser prompts for and then sends with every request of the dashboard's page.
/// </summary>
public static class Dashboard
{
    public const string Path = "/dashboard";
    private const string User = "admin";

    public static string? AdminToken(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration["Dashboard:AdminToken"] is { Length: > 0 } token ? token : null;

    public static WebApplication MapDispatchDashboard(this WebApplication app)
    {
        if (AdminToken(app.Configuration) is not { } token)
            return app;
        var expected = Encoding.UTF8.GetBytes($"{User}:{token}");
        app.UseWhen(
            http => http.Request.Path.StartsWithSegments(Path),
            admin =>
                admin.Use(
                    async (http, next) =>
                    {
                        if (Authorized(http.Request, expected))
                        {
                            await next(http);
                            return;
                        }
                        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\"";
                    }
                )
        );
        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    private static bool Authorized(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        var given = new byte[header.Length];
        return Convert.TryFromBase64String(header["Basic ".Length..].Trim(), given, out var length)
            && CryptographicOperations.FixedTimeEquals(given.AsSpan(0, length), expected);
    }
}
