using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Tests;

/// <summary>
/// A command whose write fails, and a retry of it that arrives while the write is in flight: the retry is never told
/// "accepted" for a write that did not land, and no read sees the command's effect before it is stored.
/// </summary>
[Collection(RedisFixture.Collection)]
public class CrashRetryTests(RedisFixture redis)
{
    /// <summary>The incident store, with a commit that can be held in flight and then made to fail.</summary>
    private sealed class FailingStore(IIncidentStore inner) : IIncidentStore
    {
        private TaskCompletionSource? _entered;
        private Task? _release;

        public Partitions Partitions => inner.Partitions;

        /// <summary>
        /// The next commit waits for <paramref name="release"/>, then fails without writing; the task returned says
        /// when it began.
        /// </summary>
        public Task FailNextCommit(Task release)
        {
            _entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = release;
            return _entered.Task;
        }

        public async Task CommitAsync(
            string number,
            long expectedVersion,
            IncidentRecord record,
            IReadOnlyList<IncidentEvent> events,
            DateTimeOffset? nextDeadline,
            bool deadlineUnchanged,
            string? traceParent
        )
        {
            if (Interlocked.Exchange(ref _entered, null) is { } entered)
            {
                entered.SetResult();
                await _release!;
                throw new StoreUnavailableException("the store refused the write");
            }
            await inner.CommitAsync(
                number,
                expectedVersion,
                record,
                events,
                nextDeadline,
                deadlineUnchanged,
                traceParent
            );
        }

        public Task<IncidentRecord?> LoadAsync(string number) => inner.LoadAsync(number);

        public Task<bool> ExistsAsync(string number) => inner.ExistsAsync(number);

        public Task SetDeadlineAsync(string number, DateTimeOffset? nextDeadline) =>
            inner.SetDeadlineAsync(number, nextDeadline);

        public Task<IReadOnlyList<string>> DueAsync(int partition, DateTimeOffset now, int max) =>
            inner.DueAsync(partition, now, max);
    }

    /// <summary>A silo as the host builds it, its incident store wrapped in a <see cref="FailingStore"/>.</summary>
    private async Task<IHost> SiloAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Redis:ConnectionString"] = redis.ConnectionString,
                ["Orleans:ServiceId"] = $"retry-{Guid.NewGuid():N}"[..16],
                ["Orleans:ClusterId"] = "test",
                ["Orleans:SiloPort"] = RedisServer.FreePort().ToString(),
                ["Orleans:GatewayPort"] = RedisServer.FreePort().ToString(),
            }
        );
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await builder.AddDispatchSiloAsync();
        var redisStore = builder.Services.Single(s => s.ServiceType == typeof(IIncidentStore));
        builder.Services.Remove(redisStore);
        builder.Services.AddSingleton(typeof(RedisIncidentStore));
        builder.Services.AddSingleton(sp => new FailingStore(sp.GetRequiredService<RedisIncidentStore>()));
        builder.Services.AddSingleton<IIncidentStore>(sp => sp.GetRequiredService<FailingStore>());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task A_retry_racing_a_failing_write_is_never_told_accepted_for_a_write_that_did_not_land()
    {
        using var silo = await SiloAsync();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var store = silo.Services.GetRequiredService<FailingStore>();
        var stored = silo.Services.GetRequiredService<RedisIncidentStore>();
        var number = await grains.ReportAsync(Ops.Report("SHOP_BIN_OVERFLOW"));
        var incident = grains.Incident(number);
        var before = (await incident.GetAsync())!;
        var note = new AddNote($"retry-{Guid.NewGuid():N}", Ops.Dispatcher, "the caller rang again");

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = store.FailNextCommit(release.Task);
        var first = incident.ExecuteAsync(note);
        await entered;

        // The write is in flight: a retry asking for the command's result, and readers, see only what is stored.
        Assert.Null(await incident.GetResultAsync(note.CommandId));
        Assert.Equal(before.Version, (await incident.GetAsync())!.Version);
        Assert.DoesNotContain(await incident.GetTimelineAsync(), e => e.CommandId == note.CommandId);
        var retry = incident.ExecuteAsync(note);
        release.SetResult();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => first);
        var answer = await retry;

        // The retry was decided afresh, and its answer is what the store holds.
        Assert.True(answer.IsAccepted, answer.Refusal?.Message);
        var record = (await stored.LoadAsync(number))!;
        Assert.Equal(answer, record.Results[note.CommandId]);
        Assert.Single(record.Timeline, e => e.CommandId == note.CommandId);
        Assert.Equal(record.Incident!.Version, (await incident.GetAsync())!.Version);
        Assert.Equal(answer, await incident.GetResultAsync(note.CommandId));
        await silo.StopAsync();
    }
}
