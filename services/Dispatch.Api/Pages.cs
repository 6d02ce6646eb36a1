using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Dispatch.Api;

/// <summary>
/// The pages (console, field, evaluation, wall screen) as static files: compressed (Brotli, else gzip), the
/// libraries in their versioned folders cached for a year, everything else revalidated on each load (so a new
/// version shows at once, and an unchanged file costs a 304), and the default document of each folder. Pages
/// carry a Content-Security-Policy that allows no inline script.
/// </summary>
public static class Pages
{
    /// <summary>Files under this path sit in folders named by their version (see the WebLibraries target).</summary>
    private const string Libraries = "/lib";

    /// <summary>A year, the most a cache takes; <c>immutable</c> spares the revalidation on reload.</summary>
    private const string Forever = "public, max-age=31536000, immutable";

    /// <summary>Kept, but asked about again on each use: the ETag makes an unchanged file a 304.</summary>
    private const string Revalidate = "no-cache";

    /// <summary>
    /// Serves <paramref name="webRoot"/> on every path outside <c>/api</c>. Call before authentication and the
    /// API's endpoints; a path that is no file goes on to them.
    /// </summary>
    public static WebApplication MapDispatchPages(this WebApplication app, string webRoot)
    {
        var files = new PhysicalFileProvider(webRoot);
        var policy = ContentSecurityPolicy([
            .. TileOrigins(webRoot).Concat(Origins(Services.MapService.Urls(app.Configuration))).Distinct(),
        ]);
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        types.Mappings[".geojson"] = "application/geo+json";
        types.Mappings[".webmanifest"] = "application/manifest+json";
        var compression = new ResponseCompressionProvider(app.Services, Options.Create(CompressionOptions()));

        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api"),
            pages =>
            {
                pages.UseMiddleware<ResponseCompressionMiddleware>(compression);
                pages.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
                pages.UseStaticFiles(
                    new StaticFileOptions
                    {
                        FileProvider = files,
                        ContentTypeProvider = types,
                        OnPrepareResponse = file => Prepare(file.Context, policy),
                    }
                );
            }
        );
        return app;
    }

    private static void Prepare(HttpContext context, string policy)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Path.StartsWithSegments(Libraries) ? Forever : Revalidate;
        headers.XContentTypeOptions = "nosniff";
        if (context.Response.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true)
        {
            headers.ContentSecurityPolicy = policy;
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
        }
    }

    /// <summary>
    /// Scripts only from this origin (ES modules, no inline script or handler, no eval); styles from this origin and
    /// set through the DOM (MapLibre and the pages position things that way); images also from data: (the
    /// watermark) and blob: (photos fetched with the token); the map's tiles from the configured tile servers.
    /// </summary>
    public static string ContentSecurityPolicy(IReadOnlyCollection<string> tileOrigins)
    {
        var tiles = tileOrigins.Count == 0 ? "" : " " + string.Join(' ', tileOrigins);
        return "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; "
            + $"img-src 'self' data: blob:{tiles}; connect-src 'self'{tiles}; font-src 'self'; object-src 'none'; "
            + "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>
    /// The origins of URLs or tile templates (their placeholders such as {z} are no part of the origin).
    /// </summary>
    public static IEnumerable<string> Origins(IEnumerable<string> urls) =>
        urls.Select(u => Uri.TryCreate(u.Replace("{", "").Replace("}", ""), UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .Select(uri => uri.GetLeftPart(UriPartial.Authority))
            .Distinct();

    /// <summary>The origins of the base map configured in <c>data/map-config.json</c> (baseStyle, baseTiles).</summary>
    public static IReadOnlyCollection<string> TileOrigins(string webRoot)
    {
        var path = Path.Combine(webRoot, "data", "map-config.json");
        if (!File.Exists(path))
            return [];
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var urls = new List<string>();
        foreach (var property in config.RootElement.EnumerateObject())
        {
            if (property.Name is not ("baseStyle" or "baseTiles"))
                continue;
            if (property.Value.ValueKind == JsonValueKind.String)
                urls.Add(property.Value.GetString()!);
            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                urls.AddRange(
                    property
                        .Value.EnumerateArray()
                        .Where(u => u.ValueKind == JsonValueKind.String)
                        .Select(u => u.GetString()!)
                );
            }
        }
        return [.. Origins(urls)];
    }

    private static ResponseCompressionOptions CompressionOptions()
    {
        var options = new ResponseCompressionOptions
        {
            EnableForHttps = true,
            MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/geo+json", "image/svg+xml"],
        };
        options.Providers.Add(
            new BrotliCompressionProvider(
                Options.Create(new BrotliCompressionProviderOptions { Level = CompressionLevel.Optimal })
            )
        );
        options.Providers.Add(
            new GzipCompressionProvider(
                Options.Create(new GzipCompressionProviderOptions { Level = CompressionLevel.Optimal })
            )
        );
        return options;
    }
}
