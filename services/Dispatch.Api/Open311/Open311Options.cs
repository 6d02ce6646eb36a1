namespace Dispatch.Api.Open311;

/// <summary>
/// What the Open311 discovery document says about this deployment (configuration section <c>Open311</c>).
/// The API keys themselves are <see cref="ApiOptions.Open311Keys"/>.
/// </summary>
public sealed class Open311Options
{
    public const string Section = "Open311";

    /// <summary>
    /// The public address of the GeoReport v2 endpoint (ending in <c>/open311/v2</c>). Set it in production: without
    /// it the address is built from the request's own scheme and Host header.
    /// </summary>
    public string? Url { get; set; }

    /// <summary><c>production</c> or <c>test</c>, as the discovery document's endpoint type.</summary>
    public string Type { get; set; } = "production";

    /// <summary>Who to ask about the API (the discovery document's <c>contact</c>).</summary>
    public string? Contact { get; set; }

    /// <summary>How to get an API key (the discovery document's <c>key_service</c>).</summary>
    public string? KeyService { get; set; }
}
