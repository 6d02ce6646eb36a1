using System.Diagnostics;
using System.Net.Sockets;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Blobs;

namespace Dispatch.Grains.Tests;

/// <summary>
/// A real S3-compatible server (s3rver, from npm, pinned by <c>tests/s3rver/package-lock.json</c>) on a free loopback
/// port, with a bucket, in a temporary folder; installed with <c>npm ci</c> on first use, as the pages' libraries are.
/// </summary>
public sealed class BlobS3Server : IAsyncLifetime
{
    public const string Bucket = "dispatch-test";
    private Process? _process;
    private readonly string _data = Directory.CreateTempSubdirectory("dispatch-s3-").FullName;

    public int Port { get; } = RedisServer.FreePort();

    public S3BlobOptions Options =>
        new()
        {
            Bucket = Bucket,
            ServiceUrl = $"http://127.0.0.1:{Port}",
            AccessKey = "S3RVER",
            SecretKey = "S3RVER",
            ForcePathStyle = true,
            UnchunkedUploads = true,
        };

    /// <summary>
    /// A store under a prefix of its own, so that tests sharing the server do not see each other's objects.
    /// </summary>
    public S3BlobStore Store(string? prefix = null) => new(Options, prefix ?? $"t{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(DispatchStore.RepositoryRoot(AppContext.BaseDirectory), "tests", "s3rver");
        var server = Path.Combine(folder, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(server))
            await RunAsync("npm", folder, "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in new[]
            {
                server,
                "-d",
                _data,
                "-a",
                "127.0.0.1",
                "-p",
                Port.ToString(),
                "--silent",
                "--configure-bucket",
                Bucket,
            }
        )
            start.ArgumentList.Add(arg);
        _process =
            Process.Start(start)
            ?? throw new InvalidOperationException(
                "could not start node (npm is installed by scripts/prerequisites.sh)"
            );
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                break;
            }
            catch (SocketException) when (attempt < 200 && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        // The bucket is made as the server starts: wait until it answers for it.
        using var probe = Store("probe");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await probe.ListAsync("");
                return;
            }
            catch (Amazon.S3.AmazonS3Exception) when (attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task RunAsync(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} in {folder} failed ({process.ExitCode}): "
                    + $"{await error}{await output}"
            );
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
            _process.Kill(entireProcessTree: true);
        _process?.WaitForExit();
        _process?.Dispose();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The tests that share one s3rver.</summary>
[CollectionDefinition(Collection)]
public sealed class BlobS3Collection : ICollectionFixture<BlobS3Server>, ICollectionFixture<RedisFixture>
{
    public const string Collection = "s3";
}
