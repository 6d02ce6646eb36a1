using Dispatch.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Dispatch.Api;

/// <summary>
/// The headers every answer of the API's host carries, whatever answers it (a page, a JSON route, a gRPC call,
/// Open311, a refusal written by middleware): the pages' Content-Security-Policy (no inline script, no framing:
/// <c>frame-ancestors 'none'</c>, and <c>X-Frame-Options: DENY</c> for older browsers),
/// <c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: same-origin</c>; and <c>Cache-Control: no-store</c>
/// on everything under <c>/api</c>, where incidents, tasks, evidence and the access log are, so no cache on the way
/// or on the device keeps personal data. Evidence is served <c>inline</c> with its file name.
/// </summary>
public static class Headers
{
    /// <summary>Adds the headers to every answer. Called first, so answers written by middleware carry them.</summary>
    public static WebApplication UseDispatchHeaders(this WebApplication app, string webRoot)
    {
        var policy = Pages.ContentSecurityPolicy(Pages.TileOrigins(webRoot));
        app.Use(
            (http, next) =>
            {
                http.Response.OnStarting(() =>
                {
                    Apply(http, policy);
                    return Task.CompletedTask;
                });
                return next(http);
            }
        );
        return app;
    }

    private static void Apply(HttpContext http, string policy)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
        }
    }

    /// <summary>A photo of evidence, shown (<c>inline</c>) under its file name, never sniffed otherwise.</summary>
    public static IResult Evidence(byte[] content, EvidenceMeta meta) => new InlineFile(content, meta);

    private sealed class InlineFile(byte[] content, EvidenceMeta meta) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var disposition = new ContentDispositionHeaderValue("inline");
            disposition.SetHttpFileName(FileName(meta));
            http.Response.Headers.ContentDisposition = disposition.ToString();
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.File(content, meta.ContentType).ExecuteAsync(http);
        }

        /// <summary>The name given at upload without control characters; else the id and its extension.</summary>
        private static string FileName(EvidenceMeta meta)
        {
            var given = new string([.. meta.FileName.Where(c => !char.IsControl(c))]).Trim();
            if (given.Length > 0)
                return given;
            var extension = meta.ContentType switch
            {
                "image/png" => ".png",
                "image/webp" => ".webp",
                _ => ".jpg",
            };
            return meta.Id + extension;
        }
    }
}
