namespace Dispatch.Api.Services;

/// <summary>
/// The base map the pages draw under their layers, from configuration: <c>Map:BaseStyle</c> (a MapLibre style
/// URL), or <c>Map:BaseTiles</c> (raster XYZ/WMTS tile templates such as a government tile service with its key,
/// one string or a list), with <c>Map:Attribution</c>. With neither, the pages draw the district's own vector data
/// shipped with them (streets, roads, waterways), which needs no network. The configured origins are the only
/// outside addresses the pages' Content-Security-Policy lets them reach (see <see cref="Pages"/>).
/// </summary>
public static class MapService
{
    /// <summary>The base map as the pages read it from <c>GET /api/v1/map-config</c>.</summary>
    public sealed record MapConfig(string[]? BaseTiles, string? BaseStyle, string? Attribution);

    public static MapConfig Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Map");
        var tiles = section["BaseTiles"] is { Length: > 0 } one
            ? [one]
            : section
                .GetSection("BaseTiles")
                .GetChildren()
                .Select(c => c.Value)
                .OfType<string>()
                .Where(v => v.Length > 0)
                .ToArray();
        return new MapConfig(
            tiles.Length > 0 ? tiles : null,
            section["BaseStyle"] is { Length: > 0 } style ? style : null,
            section["Attribution"] is { Length: > 0 } attribution ? attribution : null
        );
    }

    /// <summary>The configured URLs whose origins the pages may load from.</summary>
    public static IEnumerable<string> Urls(IConfiguration configuration)
    {
        var config = Read(configuration);
        return [.. config.BaseTiles ?? [], .. config.BaseStyle is { } style ? [style] : Array.Empty<string>()];
    }

    /// <summary>GET /api/v1/map-config: anonymous, as the sign-in page already draws no map but may cache it.</summary>
    public static WebApplication MapMapConfig(this WebApplication app)
    {
        app.MapGet(
            "/api/v1/map-config",
            (IConfiguration configuration) =>
                Results.Json(
                    Read(configuration),
                    new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
                )
        );
        return app;
    }
}
