using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dispatch.Abstractions;
using Dispatch.Infrastructure;
using Dispatch.Protos;
using Dispatch.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Dispatch.Ingest.Auth;

/// <summary>
/// Authenticates every call before it reaches a service: gateways by signed metadata (see
/// <see cref="GatewaySignature"/>) on <c>AlertIngest</c>, administrators by bearer token on <c>DeviceRegistry</c>.
/// The authenticated gateway id is then available through <see cref="GatewayOf"/>.
/// </summary>
public sealed class GatewayAuthInterceptor(IGrainFactory grains, INonces nonces, TimeProvider time, IOptions<IngestOptions> options) : Interceptor
{
    private const string GatewayKey = "dispatch.gateway";

    public static string GatewayOf(ServerCallContext context) => (string)context.UserState[GatewayKey];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        if (context.Method.StartsWith($"/{DeviceRegistry.Descriptor.FullName}/", StringComparison.Ordinal))
        {
            var token = Encoding.UTF8.GetBytes(context.RequestHeaders.GetValue("authorization") ?? "");
            var expected = Encoding.UTF8.GetBytes($"Bearer {options.Value.AdminToken}");
            if (string.IsNullOrEmpty(options.Value.AdminToken) || !CryptographicOperations.FixedTimeEquals(token, expected))
                throw new RpcException(new Status(StatusCode.Unauthenticated, "authorization: an administrator's bearer token is required"));
            return;
        }

        string Header(string name) => context.RequestHeaders.GetValue(name) is { Length: > 0 } value
            ? value
            : throw Unauthenticated(name, "is missing; sign every call (see the README, Gateway authentication)");
        var gateway = Header(GatewaySignature.GatewayHeader);
        var timestampText = Header(GatewaySignature.TimestampHeader);
        var nonce = Header(GatewaySignature.NonceHeader);
        var signature = Header(GatewaySignature.SignatureHeader);
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp) || timestamp > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            throw Unauthenticated(GatewaySignature.TimestampHeader, "is not a Unix time in milliseconds");
        var skew = (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(timestamp)).Duration();
        if (skew > GatewaySignature.MaxSkew)
            throw Unauthenticated(GatewaySignature.TimestampHeader, $"is {skew.TotalSeconds:F0} s from the server's clock (at most {GatewaySignature.MaxSkew.TotalSeconds:F0} s)");
        var secret = await grains.GetGrain<IGatewayGrain>(gateway).GetSecretAsync();
        if (secret is null || !GatewaySignature.Verify(secret, gateway, timestamp, nonce, context.Method, signature))
            throw Unauthenticated(GatewaySignature.SignatureHeader, "does not match: unknown gateway or wrong secret");
        if (!await nonces.TryUseAsync(gateway, nonce, GatewaySignature.MaxSkew * 2))
            throw Unauthenticated(GatewaySignature.NonceHeader, "was used before: a replayed call");
        context.UserState[GatewayKey] = gateway;
    }

    private static RpcException Unauthenticated(string header, string problem) =>
        new(new Status(StatusCode.Unauthenticated, $"{header}: {problem}"));
}
