using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Registry;
using StackExchange.Redis;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// The named pipelines behave as documented: reads retry transient Redis failures, projection writes break the circuit.
/// </summary>
public class ResilienceTests
{
    private static readonly ResiliencePipelineProvider<string> Pipelines = new ServiceCollection()
        .AddOutageClassifier()
        .AddDispatchResilience()
        .BuildServiceProvider()
        .GetRequiredService<ResiliencePipelineProvider<string>>();

    private static RedisConnectionException Outage() =>
        new(ConnectionFailureType.SocketFailure, CommandFlags.None, "gone", null!, CommandStatus.Unknown);

    [Fact]
    public async Task A_read_is_retried_through_transient_failures_but_not_through_others()
    {
        var attempts = 0;
        var value = await Pipelines
            .GetPipeline(Resilience.Read)
            .ExecuteAsync(_ => ++attempts < 3 ? throw Outage() : ValueTask.FromResult(42));
        Assert.Equal((42, 3), (value, attempts));

        attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Pipelines
                .GetPipeline(Resilience.Read)
                .ExecuteAsync<int>(_ =>
                {
                    attempts++;
                    throw new InvalidOperationException("a bug");
                })
        );
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Projection_writes_stop_hitting_a_failing_redis_once_the_circuit_opens()
    {
        var pipeline = Pipelines.GetPipeline(Resilience.ReadModelWrite);
        var calls = 0;
        for (var i = 0; i < 4; i++)
            await Assert.ThrowsAsync<RedisConnectionException>(async () =>
                await pipeline.ExecuteAsync(_ =>
                {
                    calls++;
                    throw Outage();
                })
            );
        await Assert.ThrowsAsync<BrokenCircuitException>(async () =>
            await pipeline.ExecuteAsync(_ =>
            {
                calls++;
                return ValueTask.CompletedTask;
            })
        );
        Assert.Equal(4, calls);
    }
}
