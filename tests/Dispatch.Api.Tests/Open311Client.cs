using System.Net;
using System.Text.Json;
using System.Xml.Linq;

namespace Dispatch.Api.Tests;

/// <summary>A part of a GeoReport v2 answer, the same whether it came as JSON or as XML.</summary>
public abstract record GeoNode;

/// <summary>A value: JSON null and an empty XML element are both null.</summary>
public sealed record GeoText(string? Value) : GeoNode;

/// <summary>Named fields, in the order the answer gave them.</summary>
public sealed record GeoFields(IReadOnlyList<(string Name, GeoNode Node)> Fields) : GeoNode
{
    public IReadOnlyList<string> Names => [.. Fields.Select(f => f.Name)];

    public GeoNode this[string name] => Fields.Single(f => f.Name == name).Node;

    public string? Text(string name) => Assert.IsType<GeoText>(this[name]).Value;

    public IReadOnlyList<GeoNode> Items(string name) => Assert.IsType<GeoItems>(this[name]).Items;
}

/// <summary>A list (a JSON array; in XML, children all named as the spec names the list's items).</summary>
public sealed record GeoItems(IReadOnlyList<GeoNode> Items) : GeoNode
{
    public IReadOnlyList<GeoFields> Rows => [.. Items.Select(i => Assert.IsType<GeoFields>(i))];
}

/// <summary>An answer: its status, its media type and charset, and its document.</summary>
public sealed record GeoAnswer(HttpStatusCode Status, string? MediaType, string? Charset, GeoNode Body)
{
    public IReadOnlyList<GeoFields> Rows => Assert.IsType<GeoItems>(Body).Rows;
    public GeoFields Fields => Assert.IsType<GeoFields>(Body);
}

/// <summary>
/// A GeoReport v2 client written from the specification alone (wiki.open311.org/GeoReport_v2 and its Service
/// Discovery page), for JSON or XML: it knows the spec's root elements and which elements hold lists (services
/// of service, service_requests of request, errors of error, attributes, values, endpoints, formats), reads both
/// formats into one shape, and checks that an XML answer has exactly the spec's element names.
/// </summary>
public sealed class GeoReportClient(HttpClient http, string format)
{
    public const string Specification = "http://wiki.open311.org/GeoReport_v2";

    /// <summary>The spec's fields of a service request, in its order.</summary>
    public static readonly IReadOnlyList<string> RequestFields =
    [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ];

    private static readonly Dictionary<string, string> ListItems = new()
    {
        ["services"] = "service",
        ["service_requests"] = "request",
        ["errors"] = "error",
        ["attributes"] = "attribute",
        ["values"] = "value",
        ["endpoints"] = "endpoint",
        ["formats"] = "format",
    };

    public string Format => format;
    public string MediaType => format == "xml" ? "application/xml" : "application/json";

    public async Task<GeoAnswer> GetAsync(string url, string root) => await ReadAsync(await http.GetAsync(url), root);

    public async Task<GeoAnswer> PostAsync(string url, params (string Key, string Value)[] form)
    {
        using var content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value)));
        return await ReadAsync(await http.PostAsync(url, content), "service_requests");
    }

    private async Task<GeoAnswer> ReadAsync(HttpResponseMessage response, string root)
    {
        var text = await response.Content.ReadAsStringAsync();
        var type = response.Content.Headers.ContentType;
        var expected = response.IsSuccessStatusCode ? root : "errors";
        var body = format == "xml" ? FromXml(text, expected) : FromJson(JsonDocument.Parse(text).RootElement);
        return new GeoAnswer(response.StatusCode, type?.MediaType, type?.CharSet, body);
    }

    private static GeoNode FromXml(string text, string root)
    {
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text, StringComparison.OrdinalIgnoreCase);
        var document = XDocument.Parse(text);
        Assert.Equal(root, document.Root!.Name.LocalName);
        Assert.Equal(XNamespace.None, document.Root.Name.Namespace);
        return FromXml(document.Root);
    }

    private static GeoNode FromXml(XElement element)
    {
        var name = element.Name.LocalName;
        if (ListItems.TryGetValue(name, out var item))
        {
            Assert.All(element.Elements(), e => Assert.Equal(item, e.Name.LocalName));
            return new GeoItems([.. element.Elements().Select(FromXml)]);
        }
        if (element.HasElements)
            return new GeoFields([.. element.Elements().Select(e => (e.Name.LocalName, FromXml(e)))]);
        return new GeoText(element.Value.Length == 0 ? null : element.Value);
    }

    private static GeoNode FromJson(JsonElement json) =>
        json.ValueKind switch
        {
            JsonValueKind.Array => new GeoItems([.. json.EnumerateArray().Select(FromJson)]),
            JsonValueKind.Object => new GeoFields([.. json.EnumerateObject().Select(p => (p.Name, FromJson(p.Value)))]),
            JsonValueKind.Null => new GeoText(null),
            JsonValueKind.String => new GeoText(json.GetString()),
            _ => new GeoText(json.GetRawText()),
        };
}
