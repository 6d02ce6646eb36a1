using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Dispatch.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Tests;

/// <summary>A service's program (the silo, ingest) run as its own process, as it is deployed.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _output.Enqueue(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                _output.Enqueue(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int GatewayPort { get; private set; }

    /// <summary>The silo's HTTP port (health, metrics, dashboard).</summary>
    public int HttpPort { get; private set; }
    public string Output => string.Join(Environment.NewLine, _output);
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The silo host, on free silo and gateway ports.</summary>
    public static ServiceProcess StartSilo(string workingDirectory, params string[] settings)
    {
        var (gateway, http) = (RedisServer.FreePort(), RedisServer.FreePort());
        var silo = Start(
            "Dispatch.Silo",
            workingDirectory,
            [
                .. settings,
                $"--Orleans:SiloPort={RedisServer.FreePort()}",
                $"--Orleans:GatewayPort={gateway}",
                $"--Silo:HttpPort={http}",
            ]
        );
        (silo.GatewayPort, silo.HttpPort) = (gateway, http);
        return silo;
    }

    /// <summary>
    /// The service <paramref name="program"/> (e.g. <c>Dispatch.Ingest</c>) from its own build output, in the tests'
    /// configuration, with the given settings as arguments.
    /// </summary>
    public static ServiceProcess Start(string program, string workingDirectory, params string[] settings)
    {
        var root = DispatchStore.RepositoryRoot(AppContext.BaseDirectory);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
        var dll = Path.Combine(root, "services", program, "bin", configuration, "net10.0", program + ".dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var setting in settings)
            start.ArgumentList.Add(setting);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        return new ServiceProcess(Process.Start(start)!);
    }

    public async Task<string> WaitForLineAsync(string fragment, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_output.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } line)
                return line;
            if (_process.HasExited)
                break;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException(
            $"the process did not print '{fragment}' within {timeout}; it printed:{Environment.NewLine}{Output}"
        );
    }

    /// <summary>Asks the process to stop, as Ctrl+C or Kubernetes would (SIGTERM), and waits for it to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return watch.Elapsed;
    }

    /// <summary>
    /// Kills the process at once (SIGKILL), as a crash or a lost machine would: nothing runs on the way out.
    /// </summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>
    /// An Orleans client of this silo (started by <see cref="StartSilo"/>), built as the services build theirs.
    /// </summary>
    public async Task<IHost> ClientAsync(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            settings
                .Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
                .Append(KeyValuePair.Create("Orleans:GatewayPort", (string?)GatewayPort.ToString()))
        );
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddDispatchClient();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
