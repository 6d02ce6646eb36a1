using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// The named Polly pipelines of Dispatch, in one place. Every operation has a timeout; only idempotent ones are
/// retried (with exponential backoff and jitter); writes to the read model pass a circuit breaker, so that a
/// sick store is left alone for a moment instead of being hammered by every projection batch. What is transient
/// is what the host's <see cref="IOutageClassifier"/>s call an outage.
/// </summary>
public static class Resilience
{
    /// <summary>Idempotent reads of the read model and the logs: timeout, then up to 3 retries.</summary>
    public const string Read = "dispatch-read";

    /// <summary>
    /// Writes of the read model's projection: timeout and circuit breaker (the consumer group retries the batch).
    /// </summary>
    public const string ReadModelWrite = "dispatch-read-model-write";

    public static IServiceCollection AddDispatchResilience(this IServiceCollection services)
    {
        services.AddResiliencePipeline(
            Read,
            (pipeline, context) =>
            {
                var transient = Transient(context.ServiceProvider);
                pipeline
                    .AddRetry(
                        new RetryStrategyOptions
                        {
                            ShouldHandle = new PredicateBuilder().Handle(transient),
                            MaxRetryAttempts = 3,
                            BackoffType = DelayBackoffType.Exponential,
                            UseJitter = true,
                            Delay = TimeSpan.FromMilliseconds(100),
                        }
                    )
                    .AddTimeout(TimeSpan.FromSeconds(3));
            }
        );
        services.AddResiliencePipeline(
            ReadModelWrite,
            (pipeline, context) =>
            {
                var transient = Transient(context.ServiceProvider);
                pipeline
                    .AddCircuitBreaker(
                        new CircuitBreakerStrategyOptions
                        {
                            ShouldHandle = new PredicateBuilder().Handle(transient),
                            FailureRatio = 0.5,
                            MinimumThroughput = 4,
                            SamplingDuration = TimeSpan.FromSeconds(10),
                            BreakDuration = TimeSpan.FromSeconds(5),
                        }
                    )
                    .AddTimeout(TimeSpan.FromSeconds(5));
            }
        );
        return services;
    }

    private static Func<Exception, bool> Transient(IServiceProvider services)
    {
        var classifiers = services.GetServices<IOutageClassifier>().ToList();
        return e => e is TimeoutRejectedException || classifiers.Any(c => c.IsOutage(e));
    }
}
