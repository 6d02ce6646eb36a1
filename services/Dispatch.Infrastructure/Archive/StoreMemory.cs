using System.Diagnostics.Metrics;
using System.Globalization;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Dispatch.Infrastructure.Archive;

/// <summary>How full the fullest Redis primary is: used memory against its <c>maxmemory</c> (0: none set).</summary>
public sealed record StoreMemoryReading(string Server, long UsedBytes, long LimitBytes)
{
    /// <summary>Used / limit, or null when the server has no limit.</summary>
    public double? Ratio => LimitBytes > 0 ? (double)UsedBytes / LimitBytes : null;

    public override string ToString() =>
        Ratio is { } ratio
            ? $"Redis {Server} uses {Mb(UsedBytes)} of its {Mb(LimitBytes)} maxmemory "
                + $"({ratio.ToString("P0", CultureInfo.InvariantCulture)})"
            : $"Redis {Server} uses {Mb(UsedBytes)} and has no maxmemory";

    private static string Mb(long bytes) => $"{(bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)} MB";
}

/// <summary>
/// Watches Redis memory: Redis runs with a <c>maxmemory</c> and <c>noeviction</c>, so at the limit it refuses writes
/// (OOM, an outage to every caller) rather than dropping data. Before that, at <see cref="AlarmRatio"/>, readiness
/// degrades and a warning is logged; the reading is exported as <c>dispatch.store.memory.used_ratio</c> (and
/// <c>…used_bytes</c>, <c>…limit_bytes</c>) on the meter <c>Dispatch.Store</c>. Every
/// <c>Redis:MemoryCheckInterval</c>
/// (default 15 s), and whenever readiness is asked.
/// </summary>
public sealed class StoreMemory : BackgroundService
{
    public const string MeterName = "Dispatch.Store";

    /// <summary>From this share of the limit on, memory is an alarm.</summary>
    public const double AlarmRatio = 0.8;

    /// <summary>From this share on, Redis is taken to be at its limit: a write that failed failed for memory.</summary>
    public const double FullRatio = 0.95;

    private const string MemoryInfo = "#!lua flags=no-writes\nreturn redis.call('INFO', 'memory')";
    private static readonly Meter Meter = new(MeterName);
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<StoreMemory> _logger;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private int _level;

    public StoreMemory(IConnectionMultiplexer redis, TimeSpan interval, ILogger<StoreMemory> logger)
    {
        (_redis, _interval, _logger) = (redis, interval, logger);
        Meter.CreateObservableGauge(
            "dispatch.store.memory.used_ratio",
            () => Latest?.Ratio is { } r ? [new Measurement<double>(r)] : Array.Empty<Measurement<double>>(),
            description: "Redis used memory as a share of its maxmemory (the fullest primary)"
        );
        Meter.CreateObservableGauge(
            "dispatch.store.memory.used_bytes",
            () => Latest is { } m ? [new Measurement<long>(m.UsedBytes)] : Array.Empty<Measurement<long>>(),
            unit: "By",
            description: "Redis used memory (the fullest primary)"
        );
        Meter.CreateObservableGauge(
            "dispatch.store.memory.limit_bytes",
            () =>
                Latest is { LimitBytes: > 0 } m
                    ? [new Measurement<long>(m.LimitBytes)]
                    : Array.Empty<Measurement<long>>(),
            unit: "By",
            description: "Redis maxmemory (the fullest primary)"
        );
    }

    /// <summary>The last reading taken, or null before the first.</summary>
    public StoreMemoryReading? Latest { get; private set; }

    /// <summary>Reads every connected primary's memory now and keeps the fullest (by ratio, else by bytes).</summary>
    public async Task<StoreMemoryReading?> ReadAsync()
    {
        StoreMemoryReading? fullest = null;
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            // INFO is an admin command to the client; a read-only script may ask it without admin rights.
            var text = (string?)await server.ExecuteAsync("EVAL", MemoryInfo, 0) ?? "";
            var info = text.Split('\n', StringSplitOptions.TrimEntries)
                .Select(line => line.Split(':', 2))
                .Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0], pair => pair[1]);
            var reading = new StoreMemoryReading(
                server.EndPoint.ToString() ?? "",
                Number(info, "used_memory"),
                Number(info, "maxmemory")
            );
            var (ratio, fullestRatio) = (reading.Ratio ?? 0, fullest?.Ratio ?? 0);
            if (fullest is null || (ratio, reading.UsedBytes).CompareTo((fullestRatio, fullest.UsedBytes)) > 0)
                fullest = reading;
        }
        if (fullest is not null)
            Observe(fullest);
        return fullest;
    }

    private static long Number(Dictionary<string, string> info, string field) =>
        info.TryGetValue(field, out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : 0;

    /// <summary>Keeps the reading, and logs when memory crosses into or out of the alarm or the limit.</summary>
    private void Observe(StoreMemoryReading reading)
    {
        var level = reading.Ratio switch
        {
            >= FullRatio => 2,
            >= AlarmRatio => 1,
            _ => 0,
        };
        int was;
        lock (_lock)
            (was, _level, Latest) = (_level, level, reading);
        if (level == was)
            return;
        if (level == 2)
            _logger.LogError(
                "{Reading}: at the limit Redis refuses writes (UNAVAILABLE); free memory or raise it",
                reading
            );
        else if (level == 1)
            _logger.LogWarning(
                "{Reading}: memory is over {Alarm:P0} of the limit; Redis refuses writes at the limit",
                reading,
                AlarmRatio
            );
        else
            _logger.LogInformation("{Reading}: memory is back under {Alarm:P0} of the limit", reading, AlarmRatio);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReadAsync();
                await Task.Delay(_interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                await Task.Delay(_interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}

/// <summary>
/// Readiness: degraded from <see cref="StoreMemory.AlarmRatio"/> of Redis' maxmemory on (still serving, but an alarm).
/// </summary>
public sealed class StoreMemoryHealth(StoreMemory memory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            var reading = await memory.ReadAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return reading?.Ratio switch
            {
                null => HealthCheckResult.Healthy(reading?.ToString() ?? "no Redis primary connected"),
                >= StoreMemory.FullRatio => HealthCheckResult.Degraded($"{reading}: at the limit, writes are refused"),
                >= StoreMemory.AlarmRatio => HealthCheckResult.Degraded(
                    $"{reading}: writes will be refused at the limit"
                ),
                _ => HealthCheckResult.Healthy(reading.ToString()),
            };
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Whether Redis answers at all is the store's own check; memory cannot be told now.
            return HealthCheckResult.Healthy("Redis memory cannot be read now");
        }
    }
}

/// <summary>
/// Says why a call failed when Redis is at its memory limit: an outage (UNAVAILABLE) then gets the reading as its
/// reason,
/// so callers and operators see that the store is full, not down. Other failures pass as they are.
/// </summary>
public sealed class StoreMemoryInterceptor(StoreMemory memory, IEnumerable<IOutageClassifier> classifiers) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation
    )
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw await FullOrAsync(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation
    )
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw await FullOrAsync(e);
        }
    }

    private bool IsOutage(Exception e) =>
        e switch
        {
            RpcException { StatusCode: StatusCode.Unavailable } => true,
            AggregateException { InnerExceptions: var inner } => inner.Any(IsOutage),
            _ => classifiers.Any(c => c.IsOutage(e)) || (e.InnerException is { } inner && IsOutage(inner)),
        };

    private async Task<Exception> FullOrAsync(Exception failure)
    {
        StoreMemoryReading? reading;
        try
        {
            reading = await memory.ReadAsync().WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return failure;
        }
        return reading?.Ratio >= StoreMemory.FullRatio
            ? new RpcException(
                new Status(
                    StatusCode.Unavailable,
                    $"the store is full: {reading}, and it refuses writes; nothing of this call was acknowledged: "
                        + "send it again once memory is freed (the archive's retention frees it) or the limit is raised"
                )
            )
            : failure;
    }
}
