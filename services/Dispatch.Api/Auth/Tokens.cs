using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dispatch.Api.Auth;

/// <summary>The claims of a Dispatch token, and how a <see cref="Principal"/> is read from them.</summary>
public static class DispatchClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string Unit = "unit";
    public const string Street = "street";

    /// <summary>The signed-in person, or null when the claims name no user or no role a person can hold.</summary>
    public static Principal? Read(ClaimsPrincipal user)
    {
        if (user.FindFirst(Subject)?.Value is not { Length: > 0 } id)
            return null;
        if (
            !Enum.TryParse<Role>(user.FindFirst(Role)?.Value, ignoreCase: true, out var role)
            || role is Domain.Role.System or Domain.Role.Gateway or Domain.Role.Citizen
        )
            return null;
        return new Principal(id, role, user.FindFirst(Unit)?.Value, [.. user.FindAll(Street).Select(c => c.Value)]);
    }
}

/// <summary>The development identity provider: checks a demo user's password and signs a short-lived JWT.</summary>
public sealed class DevelopmentIdentity(IdentityOptions options, TimeProvider time)
{
    public SecurityKey Key { get; } = new SymmetricSecurityKey(KeyBytes(options.SigningKey));

    public DirectoryUser? Check(string userId, string password)
    {
        var user = options.Users.FirstOrDefault(u => u.Id == userId);
        if (user is null)
            return null;
        // Constant time, so the answer does not leak how much of a password was right.
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(user.Password),
            Encoding.UTF8.GetBytes(password)
        )
            ? user
            : null;
    }

    public (string Token, DateTimeOffset ExpiresAt) Issue(DirectoryUser user)
    {
        var now = time.GetUtcNow();
        var expires = now + options.TokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [DispatchClaims.Subject] = user.Id,
            [DispatchClaims.Name] = user.Name,
            [DispatchClaims.Role] = user.Role,
        };
        if (user.Unit is { Length: > 0 } unit)
            claims[DispatchClaims.Unit] = unit;
        if (user.Streets.Count > 0)
            claims[DispatchClaims.Street] = user.Streets.ToArray();
        var token = new JsonWebTokenHandler().CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = options.Issuer,
                Audience = options.Audience,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = expires.UtcDateTime,
                Claims = claims,
                SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
            }
        );
        return (token, expires);
    }

    private static byte[] KeyBytes(string configured)
    {
        if (configured is not { Length: > 0 })
            return RandomNumberGenerator.GetBytes(32);
        var bytes = IsBase64(configured, out var decoded) ? decoded : Encoding.UTF8.GetBytes(configured);
        return bytes.Length >= 32
            ? bytes
            : throw new InvalidOperationException(
                $"Identity:SigningKey: has {bytes.Length} bytes; an HMAC-SHA256 key needs at least 32"
            );
    }

    private static bool IsBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) && (bytes = bytes[..written]).Length > 0;
    }
}
