using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Protos;

/// <summary>
/// How a gateway signs a call: HMAC-SHA256, with the secret it got at registration, over
/// <c>gateway id \n timestamp (Unix ms) \n nonce \n gRPC method</c>, sent as the metadata
/// <c>x-gateway-id</c>, <c>x-timestamp</c>, <c>x-nonce</c> and <c>x-signature</c> (base64). The server accepts a
/// timestamp within <see cref="MaxSkew"/> of its clock and each nonce once, so a captured call cannot be replayed.
/// </summary>
public static class GatewaySignature
{
    public const string GatewayHeader = "x-gateway-id";
    public const string TimestampHeader = "x-timestamp";
    public const string NonceHeader = "x-nonce";
    public const string SignatureHeader = "x-signature";
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, string gatewayId, long timestampMs, string nonce, string method)
    {
        var payload = Encoding.UTF8.GetBytes(
            $"{gatewayId}\n{timestampMs.ToString(CultureInfo.InvariantCulture)}\n{nonce}\n{method}"
        );
        return Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret), payload));
    }

    public static bool Verify(
        string secret,
        string gatewayId,
        long timestampMs,
        string nonce,
        string method,
        string signature
    )
    {
        byte[] given;
        try
        {
            given = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = Convert.FromBase64String(Sign(secret, gatewayId, timestampMs, nonce, method));
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>The signed metadata for one call, for gateway clients.</summary>
    public static Grpc.Core.Metadata Headers(string gatewayId, string secret, string method, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeMilliseconds();
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return new Grpc.Core.Metadata
        {
            { GatewayHeader, gatewayId },
            { TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture) },
            { NonceHeader, nonce },
            { SignatureHeader, Sign(secret, gatewayId, timestamp, nonce, method) },
        };
    }
}
