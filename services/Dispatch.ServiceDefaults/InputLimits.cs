using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// What a request message may carry, checked at the edge before any service sees it: every string field at most
/// its length (by the field's name in <see cref="Lengths"/>, else <see cref="DefaultLength"/>), every repeated
/// field at most <see cref="MaxItems"/> items, and no control characters: none at all in identifiers and names,
/// and in free text (<see cref="FreeText"/>) none but line breaks and tabs. Bidirectional formatting characters,
/// which make text read otherwise than it is stored, count as control characters. A refusal is INVALID_ARGUMENT
/// naming the field by its path in the message (<c>commands[2].submit.note</c>).
/// </summary>
public sealed class InputLimits
{
    /// <summary>The length of a string field whose name is not in <see cref="Lengths"/>.</summary>
    public int DefaultLength { get; init; } = 256;

    /// <summary>The items of any repeated field (or entries of a map).</summary>
    public int MaxItems { get; init; } = 100;

    /// <summary>How deep messages may nest in a request.</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>Lengths by field name: the protobuf name, as the refusals name it.</summary>
    public IReadOnlyDictionary<string, int> Lengths { get; init; } =
        new Dictionary<string, int>
        {
            ["command_id"] = 128,
            ["number"] = 64,
            ["into"] = 64,
            ["id"] = 128,
            ["evidence"] = 128,
            ["user_id"] = 64,
            ["password"] = 256,
            ["worker"] = 64,
            ["lead_unit"] = 32,
            ["co_units"] = 32,
            ["units"] = 32,
            ["unit"] = 32,
            ["street"] = 32,
            ["streets"] = 32,
            ["type"] = 64,
            ["types"] = 64,
            ["scenario"] = 64,
            ["scenarios"] = 64,
            ["channel"] = 32,
            ["channels"] = 32,
            ["ground"] = 32,
            ["stage"] = 32,
            ["extra"] = 16,
            ["state"] = 32,
            ["states"] = 32,
            ["priority"] = 8,
            ["priorities"] = 8,
            ["page_token"] = 32,
            ["query"] = 200,
            ["content_type"] = 64,
            ["file_name"] = 255,
            ["reporter_name"] = 64,
            ["reporter_phone"] = 32,
            ["name"] = 128,
            ["description"] = 4000,
            ["note"] = 4000,
            ["text"] = 4000,
            ["reason"] = 1000,
            ["comment"] = 1000,
        };

    /// <summary>Fields of free text, which may hold line breaks and tabs.</summary>
    public IReadOnlySet<string> FreeText { get; init; } =
        new HashSet<string> { "description", "note", "text", "reason", "comment" };

    /// <summary>The first thing wrong with <paramref name="message"/>: (field path, problem); null if none.</summary>
    public (string Field, string Problem)? Check(IMessage message) => Check(message, "", 0);

    private (string Field, string Problem)? Check(IMessage message, string prefix, int depth)
    {
        if (depth > MaxDepth)
            return (prefix.TrimEnd('.'), $"nests deeper than {MaxDepth} messages");
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var path = prefix + field.Name;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                if (map.Count > MaxItems)
                    return (path, $"has {map.Count} entries; at most {MaxItems} are taken");
                var entryType = field.MessageType;
                var (keyField, valueField) = (entryType.FindFieldByNumber(1), entryType.FindFieldByNumber(2));
                foreach (DictionaryEntry entry in map)
                {
                    var at = $"{path}[{entry.Key}]";
                    var bad =
                        CheckValue(keyField, at, entry.Key, depth) ?? CheckValue(valueField, at, entry.Value, depth);
                    if (bad is not null)
                        return bad;
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)value;
                if (list.Count > MaxItems)
                    return (path, $"has {list.Count} items; at most {MaxItems} are taken");
                for (var i = 0; i < list.Count; i++)
                    if (CheckValue(field, $"{path}[{i}]", list[i], depth) is { } bad)
                        return bad;
            }
            else if (CheckValue(field, path, value, depth) is { } bad)
            {
                return bad;
            }
        }
        return null;
    }

    private (string Field, string Problem)? CheckValue(FieldDescriptor field, string path, object? value, int depth) =>
        (field.FieldType, value) switch
        {
            (FieldType.String, string text) => CheckText(field.Name, path, text),
            (FieldType.Message, IMessage nested) => Check(nested, path + ".", depth + 1),
            _ => null,
        };

    private (string Field, string Problem)? CheckText(string name, string path, string text)
    {
        var max = Lengths.TryGetValue(name, out var length) ? length : DefaultLength;
        if (text.Length > max)
            return (path, $"is {text.Length} characters long; at most {max} are taken");
        var free = FreeText.Contains(name);
        foreach (var c in text)
        {
            if (free && c is '\n' or '\r' or '\t')
                continue;
            if (IsControl(c))
            {
                var allowed = free ? " (line breaks and tabs are)" : "";
                return (path, $"holds the control character U+{(int)c:X4}; control characters are not taken{allowed}");
            }
        }
        return null;
    }

    /// <summary>C0 and C1 controls, DEL, and the bidirectional formatting characters.</summary>
    public static bool IsControl(char c) =>
        char.IsControl(c)
        || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>
    /// A refusal because the caller must wait (a rate limit, a lockout): RESOURCE_EXHAUSTED with reason
    /// <see cref="Problems.Reasons.RateLimited"/>, and in <c>ErrorInfo.metadata</c> <c>retry_after_seconds</c> (as an
    /// HTTP answer's <c>Retry-After</c> gives it) and, when one is named, the <c>field</c>.
    /// </summary>
    public static Google.Rpc.Status Limited(string message, TimeSpan retryAfter, string? field = null)
    {
        var status = Problems
            .Refused(StatusCode.ResourceExhausted, Problems.Reasons.RateLimited, message, field)
            .GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>()!;
        info.Metadata["retry_after_seconds"] = RetryAfterSeconds(retryAfter);
        status.Details.Clear();
        status.Details.Add(Any.Pack(info));
        if (field is not null)
        {
            status.Details.Add(
                Any.Pack(
                    new BadRequest
                    {
                        FieldViolations =
                        {
                            new BadRequest.Types.FieldViolation { Field = field, Description = message },
                        },
                    }
                )
            );
        }
        return status;
    }

    /// <summary>Whole seconds to wait, rounded up, at least one: the value of a <c>Retry-After</c> header.</summary>
    public static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Applies <see cref="InputLimits"/> to the request of every unary and server-streaming call (in gRPC and in the
/// JSON routes transcoded to it) of the services it is added to.
/// </summary>
public sealed class InputLimitsInterceptor(InputLimits limits) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation
    )
    {
        Require(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation
    )
    {
        Require(request);
        return continuation(request, responseStream, context);
    }

    private void Require(object request)
    {
        if (request is IMessage message && limits.Check(message) is { } bad)
            throw Problems.Invalid(bad.Field, bad.Problem);
    }
}

/// <summary>Writes a wait (see <see cref="InputLimits.Limited"/>) from middleware, with <c>Retry-After</c>.</summary>
public static class Waits
{
    public static Task WriteAsync(HttpContext context, string message, TimeSpan retryAfter, string? field = null) =>
        Refusals.WriteAsync(
            context,
            InputLimits.Limited(message, retryAfter, field),
            new Dictionary<string, string> { ["Retry-After"] = InputLimits.RetryAfterSeconds(retryAfter) }
        );
}
