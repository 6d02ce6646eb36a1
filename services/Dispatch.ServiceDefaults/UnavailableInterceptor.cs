using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Tells an outage (the store or the cluster a service stands on failed) from a failure of the call itself. Each
/// host registers the classifiers of what it stands on; the interceptor asks them all.
/// </summary>
public interface IOutageClassifier
{
    /// <summary>
    /// Whether <paramref name="exception"/> (not its inner exceptions: the caller walks those) is an outage.
    /// </summary>
    bool IsOutage(Exception exception);
}

/// <summary>
/// Turns an outage (see <see cref="IOutageClassifier"/>) into UNAVAILABLE with a message that says to retry,
/// instead of UNKNOWN: callers of every service learn quickly and clearly that the call may be sent again, and that
/// nothing of it was acknowledged.
/// </summary>
public sealed class UnavailableInterceptor(
    IEnumerable<IOutageClassifier> classifiers,
    ILogger<UnavailableInterceptor> logger
) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation
    )
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
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation
    )
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
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation
    )
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

    /// <summary>
    /// A failure of what the service stands on, rather than of the call itself, anywhere in the chain.
    /// </summary>
    public bool IsOutage(Exception e) =>
        e switch
        {
            TimeoutException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException =>
                true,
            AggregateException { InnerExceptions: var inner } => inner.Any(IsOutage),
            _ => classifiers.Any(c => c.IsOutage(e)) || (e.InnerException is { } inner && IsOutage(inner)),
        };

    private RpcException Unavailable(Exception e, ServerCallContext context)
    {
        logger.LogWarning(e, "{Method} failed: the store or the cluster is unavailable", context.Method);
        return new RpcException(
            new Status(
                StatusCode.Unavailable,
                $"the store or the cluster is unavailable ({e.GetType().Name}); "
                    + "nothing of this call was acknowledged: send it again"
            )
        );
    }
}

public static class DispatchGrpc
{
    /// <summary>
    /// gRPC for a Dispatch host, with the <see cref="UnavailableInterceptor"/> once, however many services the host
    /// carries.
    /// </summary>
    public static IGrpcServerBuilder AddDispatchGrpc(this IServiceCollection services)
    {
        var grpc = services.AddGrpc();
        services.Configure<GrpcServiceOptions>(o =>
        {
            if (!o.Interceptors.Any(i => i.Type == typeof(UnavailableInterceptor)))
                o.Interceptors.Add<UnavailableInterceptor>();
        });
        return grpc;
    }
}
