using System.Text.Json.Nodes;
using Dispatch.Domain;

namespace Dispatch.Tests;

/// <summary>A copy of the shipped catalog in a temporary folder, to change for one test.</summary>
public sealed class CatalogCopy : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("dispatch-catalog-").FullName;

    public CatalogCopy()
    {
        var source = CatalogLoader.DefaultDirectory();
        foreach (var file in Directory.GetFiles(source, "*.json", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(source, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Edit(string file, Action<JsonObject> change)
    {
        var path = System.IO.Path.Combine(Path, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
