using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// A refusal written by middleware, before any service runs (authorization, rate limits): as a gRPC trailers-only
/// answer with the rich status (<c>grpc-status-details-bin</c>) for gRPC callers, else as the JSON error the
/// transcoded routes use (<c>{"code", "message", "details"}</c> with the HTTP status of the code).
/// </summary>
public static class Refusals
{
    private static readonly JsonFormatter Json = new(
        JsonFormatter.Settings.Default.WithTypeRegistry(
            TypeRegistry.FromMessages(ErrorInfo.Descriptor, BadRequest.Descriptor)
        )
    );

    public static Task WriteAsync(
        HttpContext context,
        StatusCode code,
        string reason,
        string message,
        string? field = null,
        IReadOnlyDictionary<string, string>? headers = null
    ) => WriteAsync(context, Problems.Refused(code, reason, message, field).GetRpcStatus()!, headers);

    /// <summary>A refusal whose rich status is built already (with details of its own), written the same way.</summary>
    public static async Task WriteAsync(
        HttpContext context,
        Google.Rpc.Status status,
        IReadOnlyDictionary<string, string>? headers = null
    )
    {
        var (code, message) = ((StatusCode)status.Code, status.Message);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            context.Response.Headers[name] = value;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)code).ToString(
                System.Globalization.CultureInfo.InvariantCulture
            );
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            context.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
            return;
        }
        context.Response.StatusCode = code switch
        {
            StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
            StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
            StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
            StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
            StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Json.Format(status));
    }
}
