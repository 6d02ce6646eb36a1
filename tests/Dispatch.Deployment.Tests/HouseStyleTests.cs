using System.Diagnostics;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// The house style that a formatter cannot keep alone: no line of code, protocol or page wider than the 120 columns
/// .editorconfig sets (dotnet format and Prettier keep the layout; long strings and comments are ours to break), and no
/// file pointing outside the repository.
/// </summary>
public class HouseStyleTests
{
    private const int Columns = 120;

    private static readonly string[] Checked = [".cs", ".proto", ".js", ".css", ".html", ".sh"];

    /// <summary>
    /// Files tracked by git (so nothing built, installed or generated), of the kinds people write by hand.
    /// </summary>
    private static IEnumerable<string> Tracked()
    {
        var git = Process.Start(
            new ProcessStartInfo("git", "ls-files -z")
            {
                WorkingDirectory = Repository.Root,
                RedirectStandardOutput = true,
            }
        )!;
        var files = git.StandardOutput.ReadToEnd().Split('\0', StringSplitOptions.RemoveEmptyEntries);
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return files.Where(f => Checked.Contains(Path.GetExtension(f)) && !f.Contains("/lib/"));
    }

    [Fact]
    public void No_line_of_code_protocol_or_page_is_wider_than_120_columns()
    {
        var files = Tracked().ToList();
        Assert.Contains(files, f => f.EndsWith(".cs"));
        Assert.Contains(files, f => f.EndsWith(".js"));
        var wide = files
            .SelectMany(f =>
                File.ReadAllLines(Repository.PathOf(f))
                    .Select((line, i) => (File: f, Line: i + 1, line.Length))
                    .Where(l => l.Length > Columns)
            )
            .Select(l => $"{l.File}:{l.Line} ({l.Length} columns)")
            .ToList();
        Assert.True(wide.Count == 0, $"{wide.Count} lines over {Columns} columns:\n{string.Join('\n', wide)}");
    }

    [Fact]
    public void Nothing_in_the_repository_points_at_documents_outside_it()
    {
        // Spelt in pieces, so that this file does not name them itself.
        string[] elsewhere = [string.Concat("..", "/shared"), string.Concat("DOMAIN", ".md")];
        var outside = Tracked()
            .Concat(["README.md"])
            .Concat(
                Directory
                    .GetFiles(Repository.PathOf("docs"), "*.md")
                    .Select(f => Path.GetRelativePath(Repository.Root, f))
            )
            .Where(f => File.ReadAllText(Repository.PathOf(f)) is var text && elsewhere.Any(text.Contains))
            .ToList();
        Assert.Empty(outside);
    }
}
