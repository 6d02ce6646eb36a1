using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using System.Xml;

namespace Dispatch.Api.Open311;

/// <summary>The two formats of GeoReport v2, chosen by the extension of the path (<c>services.xml</c>).</summary>
internal enum Open311Format
{
    Xml,
    Json,
}

/// <summary>
/// A part of an Open311 answer, written the same way as XML and as JSON, so that both formats always carry the
/// same fields in the spec's order: a value, an object of named fields, or a list of items.
/// </summary>
internal abstract class Open311Node;

/// <summary>A string, number, boolean or date-time; null is an empty element in XML and <c>null</c> in JSON.</summary>
internal sealed class Open311Value : Open311Node
{
    private Open311Value(object? value) => Value = value;

    public object? Value { get; }

    public static readonly Open311Value Null = new((object?)null);

    public static Open311Value Of(string? text) => text is null ? Null : new(text);

    public static Open311Value Of(bool flag) => new(flag);

    public static Open311Value Of(int number) => new(number);

    public static Open311Value Of(double? number) => number is { } n ? new(n) : Null;

    public static Open311Value Of(DateTimeOffset? time) => time is { } t ? new(t) : Null;
}

/// <summary>Named fields in order; built with a collection initializer (<c>{ "service_code", code }</c>).</summary>
internal sealed class Open311Object : Open311Node, IEnumerable<(string Name, Open311Node Node)>
{
    private readonly List<(string Name, Open311Node Node)> _fields = [];

    public void Add(string name, Open311Node node) => _fields.Add((name, node));

    public void Add(string name, string? text) => Add(name, Open311Value.Of(text));

    public void Add(string name, bool flag) => Add(name, Open311Value.Of(flag));

    public void Add(string name, int number) => Add(name, Open311Value.Of(number));

    public void Add(string name, double? number) => Add(name, Open311Value.Of(number));

    public void Add(string name, DateTimeOffset? time) => Add(name, Open311Value.Of(time));

    public IEnumerator<(string Name, Open311Node Node)> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Items of one kind: an array in JSON; in XML, one element named <see cref="Item"/> per item.</summary>
internal sealed class Open311List(string item, IReadOnlyList<Open311Node> items) : Open311Node
{
    public string Item => item;
    public IReadOnlyList<Open311Node> Items => items;
}

/// <summary>
/// A whole answer: its XML root element (<c>services</c>, <c>service_requests</c>, <c>errors</c>,
/// <c>service_definition</c>, <c>discovery</c>) around its body; JSON is the body alone.
/// </summary>
internal sealed record Open311Document(string Root, Open311Node Body)
{
    /// <summary>Date-times as the spec wants them (a W3C profile of ISO 8601 with the offset), to the second.</summary>
    public const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:sszzz";

    /// <summary>HTML-sensitive characters stay escaped; Chinese text does not need to be.</summary>
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private static readonly XmlWriterSettings XmlSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
    };

    public string ContentType(Open311Format format) =>
        format == Open311Format.Xml ? "application/xml; charset=utf-8" : "application/json; charset=utf-8";

    public byte[] Write(Open311Format format) => format == Open311Format.Xml ? WriteXml() : WriteJson();

    private byte[] WriteJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
            Json(writer, Body);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Json(Utf8JsonWriter writer, Open311Node node)
    {
        switch (node)
        {
            case Open311Object fields:
                writer.WriteStartObject();
                foreach (var (name, value) in fields)
                {
                    writer.WritePropertyName(name);
                    Json(writer, value);
                }
                writer.WriteEndObject();
                break;
            case Open311List list:
                writer.WriteStartArray();
                foreach (var item in list.Items)
                    Json(writer, item);
                writer.WriteEndArray();
                break;
            case Open311Value { Value: null }:
                writer.WriteNullValue();
                break;
            case Open311Value { Value: bool flag }:
                writer.WriteBooleanValue(flag);
                break;
            case Open311Value { Value: int number }:
                writer.WriteNumberValue(number);
                break;
            case Open311Value { Value: double number }:
                writer.WriteNumberValue(number);
                break;
            case Open311Value value:
                writer.WriteStringValue(Text(value));
                break;
        }
    }

    private byte[] WriteXml()
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, XmlSettings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(Root);
            Xml(writer, Body);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return stream.ToArray();
    }

    private static void Xml(XmlWriter writer, Open311Node node)
    {
        switch (node)
        {
            case Open311Object fields:
                foreach (var (name, value) in fields)
                {
                    writer.WriteStartElement(name);
                    Xml(writer, value);
                    writer.WriteEndElement();
                }
                break;
            case Open311List list:
                foreach (var item in list.Items)
                {
                    writer.WriteStartElement(list.Item);
                    Xml(writer, item);
                    writer.WriteEndElement();
                }
                break;
            case Open311Value { Value: null }:
                break;
            case Open311Value value:
                writer.WriteString(XmlSafe(Text(value)));
                break;
        }
    }

    private static string Text(Open311Value value) =>
        value.Value switch
        {
            bool flag => flag ? "true" : "false",
            DateTimeOffset time => time.ToString(DateTimeFormat, CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            var other => other?.ToString() ?? "",
        };

    /// <summary>
    /// Text stored before control characters were refused may hold some that XML 1.0 cannot carry at all: they
    /// become U+FFFD instead of failing the whole answer.
    /// </summary>
    private static string XmlSafe(string text)
    {
        if (text.All(XmlConvert.IsXmlChar))
            return text;
        var safe = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i]))
                safe.Append(text[i]);
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
                safe.Append(text, i++, 2);
            else
                safe.Append('\uFFFD');
        }
        return safe.ToString();
    }
}

/// <summary>An Open311 document as an HTTP answer in the format the path asked for.</summary>
internal sealed class Open311Result(
    Open311Document document,
    Open311Format format,
    int statusCode = StatusCodes.Status200OK
) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => statusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var body = document.Write(format);
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = document.ContentType(format);
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body).AsTask();
    }
}
