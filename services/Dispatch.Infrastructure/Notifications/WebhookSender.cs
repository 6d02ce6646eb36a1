using System.Net;
using Dispatch.Domain;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Dispatch.Infrastructure.Notifications;

/// <summary>How one round of sending a delivery to a webhook ended.</summary>
/// <param name="Calls">HTTP requests made in the round (none when the circuit was open).</param>
/// <param name="Final">A failure that another round would not mend (the webhook refused the request as such).</param>
public sealed record WebhookOutcome(
    bool Delivered,
    int Calls,
    DeliveryFailure? Failure = null,
    string? Error = null,
    bool Final = false
);

/// <summary>
/// Sends one delivery to one webhook through the webhook's own resilience pipeline (named
/// <c>dispatch-webhook:&lt;name&gt;</c>): a timeout per attempt, retries of transient failures (no answer, 408, 429,
/// 5xx) with exponential backoff and jitter, and a circuit breaker of its own, so that one sick receiver is left alone
/// for a while (its deliveries fail at once as <see cref="DeliveryFailure.CircuitOpen"/> and are taken up again later)
/// without holding up the others.
/// </summary>
public sealed class WebhookSender(
    IHttpClientFactory http,
    ResiliencePipelineRegistry<string> pipelines,
    IOptions<NotificationOptions> options,
    Catalog catalog,
    TimeProvider clock
)
{
    /// <summary>The named HTTP client webhooks are sent with (no timeout of its own: the pipeline's counts).</summary>
    public const string ClientName = "dispatch-webhooks";

    public static string PipelineKey(string webhook) => $"dispatch-webhook:{webhook}";

    /// <summary>One round: the pipeline's attempts until one is answered 2xx, or the round gives up.</summary>
    public async Task<WebhookOutcome> SendAsync(
        WebhookOptions hook,
        NoticeState state,
        string deliveryId,
        CancellationToken cancellationToken
    )
    {
        var client = http.CreateClient(ClientName);
        var calls = 0;
        try
        {
            var status = await Pipeline(hook)
                .ExecuteAsync(
                    async token =>
                    {
                        Interlocked.Increment(ref calls);
                        using var request = WebhookMessages.Request(
                            hook,
                            state,
                            deliveryId,
                            catalog,
                            clock.GetUtcNow()
                        );
                        using var response = await client.SendAsync(request, token);
                        return response.StatusCode;
                    },
                    cancellationToken
                );
            return (int)status is >= 200 and < 300
                ? new WebhookOutcome(true, calls)
                : new WebhookOutcome(
                    false,
                    calls,
                    DeliveryFailure.HttpStatus,
                    $"answered {(int)status} {status}",
                    Final: !IsTransient(status)
                );
        }
        catch (BrokenCircuitException)
        {
            return new WebhookOutcome(
                false,
                calls,
                DeliveryFailure.CircuitOpen,
                $"the circuit of webhook {hook.Name} is open after repeated failures; nothing was sent"
            );
        }
        catch (TimeoutRejectedException)
        {
            return new WebhookOutcome(
                false,
                calls,
                DeliveryFailure.Timeout,
                $"no answer within {options.Value.Pipeline.Timeout.TotalSeconds:0.###} s"
            );
        }
        catch (HttpRequestException e)
        {
            return new WebhookOutcome(false, calls, DeliveryFailure.Network, e.Message);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static bool IsTransient(Outcome<HttpStatusCode> outcome) =>
        outcome.Exception switch
        {
            HttpRequestException or TimeoutRejectedException => true,
            null => IsTransient(outcome.Result),
            _ => false,
        };

    private ResiliencePipeline<HttpStatusCode> Pipeline(WebhookOptions hook) =>
        pipelines.GetOrAddPipeline<HttpStatusCode>(
            PipelineKey(hook.Name),
            builder =>
            {
                var settings = options.Value.Pipeline;
                var transient = new Func<Outcome<HttpStatusCode>, ValueTask<bool>>(o =>
                    ValueTask.FromResult(IsTransient(o))
                );
                if (settings.Retries > 0)
                    builder.AddRetry(
                        new RetryStrategyOptions<HttpStatusCode>
                        {
                            ShouldHandle = args => transient(args.Outcome),
                            MaxRetryAttempts = settings.Retries,
                            BackoffType = DelayBackoffType.Exponential,
                            UseJitter = true,
                            Delay = settings.RetryDelay,
                        }
                    );
                builder
                    .AddCircuitBreaker(
                        new CircuitBreakerStrategyOptions<HttpStatusCode>
                        {
                            ShouldHandle = args => transient(args.Outcome),
                            FailureRatio = settings.FailureRatio,
                            MinimumThroughput = settings.MinimumThroughput,
                            SamplingDuration = settings.SamplingDuration,
                            BreakDuration = settings.BreakDuration,
                        }
                    )
                    .AddTimeout(settings.Timeout);
            }
        );
}
