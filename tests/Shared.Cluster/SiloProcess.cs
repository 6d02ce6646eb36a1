using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Tests;

/// <summary>The silo host program run as its own process, the way the run script runs it.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SiloProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int GatewayPort { get; private init; }
    public string Output => string.Join(Environment.NewLine, _output);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static SiloProcess Start(string workingDirectory, params string[] settings)
    {
        var gateway = RedisServer.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Dispatch.Silo.dll"));
        foreach (var setting in settings.Concat([$"--Orleans:SiloPort={RedisServer.FreePort()}", $"--Orleans:GatewayPort={gateway}"]))
            start.ArgumentList.Add(setting);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        return new SiloProcess(Process.Start(start)!) { GatewayPort = gateway };
    }

    public async Task<string> WaitForLineAsync(string fragment, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_output.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } line) return line;
            if (_process.HasExited) break;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"the silo did not print '{fragment}' within {timeout}; it printed:{Environment.NewLine}{Output}");
    }

    /// <summary>Asks the silo to stop, as Ctrl+C or Kubernetes would (SIGTERM), and waits for it to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return watch.Elapsed;
    }

    /// <summary>An Orleans client of this silo, built as the services build theirs.</summary>
    public async Task<IHost> ClientAsync(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
            .Append(KeyValuePair.Create("Orleans:GatewayPort", (string?)GatewayPort.ToString())));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddDispatchClient();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
