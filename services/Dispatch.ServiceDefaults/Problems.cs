using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Why a call was refused, as gRPC's rich error model carries it: the status code, a message for people, an
/// <c>ErrorInfo</c> whose <see cref="Reasons">reason</see> is a stable code for programs, and for a bad field a
/// <c>BadRequest</c> naming it. The JSON transcoding passes the same details to the pages, so neither C# nor
/// JavaScript ever reads meaning back out of a message.
/// </summary>
public static class Problems
{
    /// <summary>The <c>ErrorInfo.domain</c> of every Dispatch error.</summary>
    public const string Domain = "dispatch";

    /// <summary>The stable reason codes of <c>ErrorInfo</c>.</summary>
    public static class Reasons
    {
        public const string InvalidArgument = "INVALID_ARGUMENT";
        public const string IllegalTransition = "ILLEGAL_TRANSITION";
        public const string NotFound = "NOT_FOUND";
        public const string PermissionDenied = "PERMISSION_DENIED";
        public const string Unauthenticated = "UNAUTHENTICATED";
        public const string Unavailable = "STORE_UNAVAILABLE";
        public const string RateLimited = "RATE_LIMITED";
        public const string AlreadyExists = "ALREADY_EXISTS";
        public const string FailedPrecondition = "FAILED_PRECONDITION";
    }

    /// <summary>A field of the request is missing or wrong.</summary>
    public static RpcException Invalid(string field, string problem) =>
        Build(StatusCode.InvalidArgument, Reasons.InvalidArgument, $"{field}: {problem}", field, problem);

    /// <summary>A refusal with a stable reason code, optionally naming the field at fault.</summary>
    public static RpcException Refused(StatusCode code, string reason, string message, string? field = null) =>
        Build(code, reason, message, field, message);

    private static RpcException Build(StatusCode code, string reason, string message, string? field, string problem)
    {
        var status = new Status { Code = (int)code, Message = message };
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (field is not null)
            info.Metadata["field"] = field;
        status.Details.Add(Any.Pack(info));
        if (field is not null)
            status.Details.Add(
                Any.Pack(
                    new BadRequest
                    {
                        FieldViolations =
                        {
                            new BadRequest.Types.FieldViolation { Field = field, Description = problem },
                        },
                    }
                )
            );
        return status.ToRpcException();
    }

    /// <summary>
    /// The reason code of a refusal, read from its details (for clients and tests); null when it has none.
    /// </summary>
    public static string? ReasonOf(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    /// <summary>The field a refusal names, read from its details; null when it names none.</summary>
    public static string? FieldOf(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
}
