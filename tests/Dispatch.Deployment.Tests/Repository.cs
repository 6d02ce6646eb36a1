using System.Text.Json;
using Dispatch.Api;
using Dispatch.Api.Auth;
using Dispatch.Infrastructure;
using Dispatch.Ingest;
using YamlDotNet.RepresentationModel;

namespace Dispatch.Deployment.Tests;

/// <summary>The deployment files of the repository, and the configuration keys each service's code reads.</summary>
public static class Repository
{
    public static readonly string Root = DispatchStore.RepositoryRoot(AppContext.BaseDirectory);

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static IReadOnlyList<YamlMappingNode> Documents(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(PathOf(relative));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    /// <summary>
    /// The keys a service reads: those its appsettings.json lists (every key the hosts read has a default there)
    /// and the properties of its options classes, as "Section:Key".
    /// </summary>
    public static HashSet<string> KeysOf(string service)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Flatten(JsonElement e, string prefix)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                keys.Add(prefix);
                return;
            }
            foreach (var p in e.EnumerateObject())
                Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}");
        }
        Flatten(
            JsonDocument.Parse(File.ReadAllText(PathOf($"services/Dispatch.{service}/appsettings.json"))).RootElement,
            ""
        );
        void Options(string section, Type type)
        {
            foreach (var p in type.GetProperties())
                keys.Add($"{section}:{p.Name}");
        }
        if (service == "Ingest")
            Options("Ingest", typeof(IngestOptions));
        if (service == "Api")
        {
            Options("Api", typeof(ApiOptions));
            Options("Identity", typeof(IdentityOptions));
        }
        return keys;
    }

    /// <summary>
    /// An environment variable as the configuration key it sets (<c>Redis__ConnectionString</c> →
    /// <c>Redis:ConnectionString</c>), or null for variables read by libraries.
    /// </summary>
    public static string? KeyOf(string variable) =>
        variable.StartsWith("OTEL_", StringComparison.Ordinal)
        || variable.StartsWith("ORLEANS_", StringComparison.Ordinal)
        || variable.StartsWith("POD_", StringComparison.Ordinal)
        || variable.StartsWith("DOTNET_", StringComparison.Ordinal)
            ? null
            : variable.Replace("__", ":");

    public static YamlNode? At(this YamlNode node, params string[] path)
    {
        foreach (var step in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(step), out var next))
                return null;
            node = next;
        }
        return node;
    }

    public static string? Text(this YamlNode node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? sequence.Children : [];
}
