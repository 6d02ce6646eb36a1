namespace Dispatch.Api.Auth;

/// <summary>
/// Who can sign in and how tokens are checked (section <c>Identity</c>). Without <see cref="Authority"/> the API is
/// its own development identity provider: the <see cref="Users"/> sign in with their passwords and get tokens
/// signed with <see cref="SigningKey"/>. With it, tokens come from that external OIDC issuer and are checked
/// against its published keys; <see cref="Users"/> then only serve as the roster of workers for dispatch.
/// </summary>
public sealed class IdentityOptions
{
    /// <summary>
    /// An external OIDC issuer (e.g. https://sso.example.gov.cn/realms/dispatch); empty for the development provider.
    /// </summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience tokens must be issued for.</summary>
    public string Audience { get; set; } = "dispatch";

    /// <summary>The issuer the development provider writes into its tokens.</summary>
    public string Issuer { get; set; } = "dispatch-dev";

    /// <summary>
    /// At least 32 bytes, base64 or plain; every API instance needs the same. Empty: a random key per process.
    /// </summary>
    public string SigningKey { get; set; } = "";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(10);

    public List<DirectoryUser> Users { get; set; } = [];
}

/// <summary>A person known to the API: for sign-in with the development provider, and the roster of workers.</summary>
public sealed class DirectoryUser
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Password { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Unit { get; set; }
    public List<string> Streets { get; set; } = [];
}
