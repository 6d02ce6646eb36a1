using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Turns a failure of the store or the cluster (Redis unreachable or timing out, no silo answering, a storage
/// conflict) into UNAVAILABLE with a message that says to retry, instead of UNKNOWN: callers of every service
/// learn quickly and clearly that the call may be sent again, and that nothing of it was acknowledged.
/// </summary>
public sealed class UnavailableInterceptor(ILogger<UnavailableInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw Unavailable(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw Unavailable(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw Unavailable(e, context);
        }
    }

    /// <summary>A failure of what the service stands on, rather than of the call itself.</summary>
    public static bool IsOutage(Exception e) => e switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException or Orleans.Storage.InconsistentStateException => true,
        RedisServerException server => IsTransient(server),
        Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException => true,
        // Orleans' own failures (no silo, a call that timed out, a store outage a silo reported) are; its others not.
        Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException => true,
        Orleans.Runtime.OrleansException o => o.Message.StartsWith(StoreOutageCallFilter.Prefix, StringComparison.Ordinal)
            || o.Message.StartsWith("Error from storage provider", StringComparison.Ordinal)
            || (o.InnerException is { } inner && IsOutage(inner)),
        // A silo's exception whose type the client cannot rebuild (a Redis exception, say) arrives as this.
        Orleans.Serialization.UnavailableExceptionFallbackException f =>
            f.ExceptionType is { } type && (type.Contains("Redis", StringComparison.Ordinal) || type.Contains("Timeout", StringComparison.Ordinal)),
        AggregateException { InnerExceptions: var inner } => inner.Any(IsOutage),
        _ => e.InnerException is { } inner && IsOutage(inner),
    };

    /// <summary>A Redis reply that means "not now" rather than "wrong": loading its data, or a replica that cannot write yet.</summary>
    public static bool IsTransient(RedisServerException e) =>
        e.Message.StartsWith("LOADING", StringComparison.Ordinal) || e.Message.StartsWith("READONLY", StringComparison.Ordinal)
        || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal);

    private RpcException Unavailable(Exception e, ServerCallContext context)
    {
        logger.LogWarning(e, "{Method} failed: the store or the cluster is unavailable", context.Method);
        return new RpcException(new Status(StatusCode.Unavailable,
            $"the store or the cluster is unavailable ({e.GetType().Name}); nothing of this call was acknowledged: send it again"));
    }
}

public static class DispatchGrpc
{
    /// <summary>gRPC for a Dispatch host, with the <see cref="UnavailableInterceptor"/> once, however many services the host carries.</summary>
    public static IGrpcServerBuilder AddDispatchGrpc(this IServiceCollection services)
    {
        var grpc = services.AddGrpc();
        services.Configure<GrpcServiceOptions>(o =>
        {
            if (!o.Interceptors.Any(i => i.Type == typeof(UnavailableInterceptor))) o.Interceptors.Add<UnavailableInterceptor>();
        });
        return grpc;
    }
}
