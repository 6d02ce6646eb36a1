using System.Diagnostics.Metrics;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Dispatch.Grains.Tests;

/// <summary>
/// Redis memory as an alarm, not a crash, on a redis-server of its own with a small maxmemory and noeviction: readiness
/// degrades, a warning is logged and the metric shows it from 80 %; at the limit writes are refused as an outage, and
/// nothing written before is lost. Single-server by nature: it sets one server's maxmemory and reads that server's
/// INFO; a cluster's memory is each primary's own.
/// </summary>
public sealed class MemoryAlarmTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-memory-").FullName;
    private RedisServer _server = null!;
    private IConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(RedisServer.FindBinary()!, _folder, maxMemory: "24mb");
        _redis = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    [Fact]
    public async Task The_embedded_server_runs_with_its_limit_and_without_eviction()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{_server.ConnectionString},allowAdmin=true");
        var config = (await admin.GetServer(_server.ConnectionString).ConfigGetAsync("maxmemory*")).ToDictionary(
            kv => kv.Key,
            kv => kv.Value
        );
        Assert.Equal((24L * 1024 * 1024).ToString(), config["maxmemory"]);
        Assert.Equal("noeviction", config["maxmemory-policy"]);
    }

    [Fact]
    public async Task From_80_percent_readiness_degrades_log_and_metric_warn_and_at_the_limit_writes_fail_as_an_outage()
    {
        var log = new Recorded();
        var memory = new StoreMemory(_redis, TimeSpan.FromSeconds(1), log);
        var health = new StoreMemoryHealth(memory);
        var db = _redis.GetDatabase();
        await db.StringSetAsync("kept", "acknowledged before the limit");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.True((await memory.ReadAsync())!.Ratio < StoreMemory.AlarmRatio);

        var filler = new byte[512 * 1024];
        var n = 0;
        while ((await memory.ReadAsync())!.Ratio < StoreMemory.AlarmRatio)
            await db.StringSetAsync($"filler:{n++}", filler);
        var alarm = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, alarm.Status);
        Assert.Contains("maxmemory", alarm.Description);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("maxmemory"));
        Assert.True(UsedRatio() >= StoreMemory.AlarmRatio);

        // Up to the limit: then Redis refuses every write, and the code takes that for an outage (UNAVAILABLE to
        // callers).
        var refused = await Assert.ThrowsAsync<RedisServerException>(async () =>
        {
            while (true)
                await db.StringSetAsync($"filler:{n++}", filler);
        });
        Assert.True(StoreOutage.Is(refused), refused.Message);
        Assert.True((await memory.ReadAsync())!.Ratio >= StoreMemory.FullRatio);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("acknowledged before the limit", (string?)await db.StringGetAsync("kept"));

        // Memory freed (as the retention frees it), the alarm ends and writes are taken again.
        await db.KeyDeleteAsync([.. Enumerable.Range(0, n).Select(i => (RedisKey)$"filler:{i}")]);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.True(await db.StringSetAsync("after", "taken again"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("back under"));
    }

    /// <summary>The gauge <c>dispatch.store.memory.used_ratio</c> as a metrics exporter would read it.</summary>
    private static double UsedRatio()
    {
        double? seen = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StoreMemory.MeterName && instrument.Name == "dispatch.store.memory.used_ratio")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => seen = Math.Max(seen ?? 0, value));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen ?? throw new InvalidOperationException("the gauge reported nothing");
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A logger that keeps what it is told.</summary>
    private sealed class Recorded : ILogger<StoreMemory>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            lock (Entries)
                Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
