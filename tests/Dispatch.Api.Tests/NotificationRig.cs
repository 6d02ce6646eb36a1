using System.Text.Json.Nodes;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Notifications;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Dispatch.Api.Tests;

/// <summary>
/// A deployment of its own for the notification tests: a cluster of real silos under its own service id (so that its
/// notifier group is its own), a webhook receiver on loopback, and API instances with a JSON webhook (<c>ops</c>, every
/// notice) and a group robot (<c>robot</c>, GREEN's notices), short retry waits and a short claim lease. The roster's
/// people (GREEN's duty officer and head among them) sign in as demo users.
/// </summary>
public sealed class NotificationRig : IAsyncDisposable
{
    public const string JsonSecret = "a-webhook-secret-for-the-tests";
    public const string RobotSecret = "SEC-a-robot-secret";
    public const string RobotToken = "robot-token";

    private readonly string _redis;
    private readonly Dictionary<string, string?> _settings;
    private readonly List<ApiServer> _apis = [];

    private NotificationRig(
        string redis,
        TestCluster cluster,
        WebhookReceiver receiver,
        CatalogCopy catalog,
        Dictionary<string, string?> settings
    )
    {
        (_redis, Cluster, Receiver, Catalog, _settings) = (redis, cluster, receiver, catalog, settings);
    }

    public TestCluster Cluster { get; }
    public WebhookReceiver Receiver { get; }
    public CatalogCopy Catalog { get; }
    public IGrainFactory Grains => Cluster.Grains;

    /// <summary>The first API instance (others may have joined it).</summary>
    public ApiServer Api => _apis[0];

    /// <summary>
    /// Starts the rig: a copy of the catalog (changed by <paramref name="edit"/>), one silo, the receiver and one API
    /// instance with the notification settings (changed by <paramref name="overrides"/>).
    /// </summary>
    public static async Task<NotificationRig> StartAsync(
        RedisFixture redis,
        Action<CatalogCopy>? edit = null,
        IDictionary<string, string?>? overrides = null
    )
    {
        var catalog = new CatalogCopy();
        edit?.Invoke(catalog);
        var receiver = await WebhookReceiver.StartAsync();
        var cluster = await TestCluster.StartAsync(redis.ConnectionString, silos: 1, catalogPath: catalog.Path);
        var settings = new Dictionary<string, string?>
        {
            ["Catalog:Path"] = catalog.Path,
            ["Notifications:Lease"] = "00:00:08",
            ["Notifications:SweepInterval"] = "00:00:00.100",
            ["Notifications:RetryAfter"] = "00:00:00.300",
            ["Notifications:MaxRetryAfter"] = "00:00:01",
            ["Notifications:MaxRounds"] = "100",
            ["Notifications:Pipeline:Timeout"] = "00:00:02",
            ["Notifications:Pipeline:Retries"] = "2",
            ["Notifications:Pipeline:RetryDelay"] = "00:00:00.050",
            ["Notifications:Pipeline:MinimumThroughput"] = "3",
            ["Notifications:Pipeline:FailureRatio"] = "0.5",
            ["Notifications:Pipeline:SamplingDuration"] = "00:00:30",
            ["Notifications:Pipeline:BreakDuration"] = "00:00:05",
            ["Notifications:Webhooks:0:Name"] = "ops",
            ["Notifications:Webhooks:0:Url"] = receiver.Url("/ops"),
            ["Notifications:Webhooks:0:Kind"] = "Json",
            ["Notifications:Webhooks:0:Secret"] = JsonSecret,
            ["Notifications:Webhooks:1:Name"] = "robot",
            ["Notifications:Webhooks:1:Url"] = receiver.Url($"/robot/send?access_token={RobotToken}"),
            ["Notifications:Webhooks:1:Kind"] = "GroupRobot",
            ["Notifications:Webhooks:1:Secret"] = RobotSecret,
            ["Notifications:Webhooks:1:Units:0"] = "GREEN",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;
        var rig = new NotificationRig(redis.ConnectionString, cluster, receiver, catalog, settings);
        await rig.StartApiAsync();
        return rig;
    }

    /// <summary>Another API instance of the same deployment, with the same settings.</summary>
    public async Task<ApiServer> StartApiAsync()
    {
        var api = await ApiServer.StartAsync(Cluster, _redis, _settings);
        _apis.Add(api);
        return api;
    }

    /// <summary>Stops an API instance as a deployment stops one (its notifier and sends end with it).</summary>
    public async Task StopApiAsync(ApiServer api)
    {
        _apis.Remove(api);
        await api.DisposeAsync();
    }

    /// <summary>
    /// A catalog edit: every priority's notices escalate after <paramref name="after"/> unacknowledged.
    /// </summary>
    public static Action<CatalogCopy> EscalateEverythingAfter(string after) =>
        catalog =>
            catalog.Edit(
                NotificationPolicyLoader.PolicyFile,
                policy =>
                    policy["escalateUnacknowledged"] = new JsonObject
                    {
                        ["P1"] = after,
                        ["P2"] = after,
                        ["P3"] = after,
                        ["P4"] = after,
                    }
            );

    /// <summary>
    /// Reports a bin overflow by hotline (P3, GREEN's), files it and dispatches it to GREEN and
    /// <paramref name="worker"/>, with co-units and their workers if given; returns its number.
    /// </summary>
    public async Task<string> DispatchedIncidentAsync(
        string worker = "green.w1",
        IReadOnlyDictionary<string, string>? coUnits = null,
        Action<string>? beforeDispatch = null
    )
    {
        var number = await Grains.ReportAsync(Ops.Report("SHOP_BIN_OVERFLOW"));
        var incident = Grains.Incident(number);
        await incident.MustAsync(new FileIncident(Ops.Id(), Ops.Dispatcher));
        beforeDispatch?.Invoke(number);
        await incident.MustAsync(
            new DispatchIncident(
                Ops.Id(),
                Ops.Dispatcher,
                "GREEN",
                [.. coUnits?.Keys ?? []],
                worker,
                coUnits is null ? null : new Dictionary<string, string>(coUnits)
            )
        );
        return number;
    }

    public async Task<Protos.V1.Notifications.NotificationsClient> NotificationsAsync(
        string user,
        ApiServer? api = null
    )
    {
        var server = api ?? Api;
        var token = await server.TokenAsync(user);
        return new Protos.V1.Notifications.NotificationsClient(
            server.Channel.Intercept(metadata =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return metadata;
            })
        );
    }

    /// <summary>The incident's delivery records as the dispatcher reads them through the API.</summary>
    public async Task<IReadOnlyList<Delivery>> DeliveriesAsync(string number)
    {
        var client = await NotificationsAsync("dispatcher");
        return [.. (await client.ListDeliveriesAsync(new ListDeliveriesRequest { Number = number })).Items];
    }

    /// <summary>Waits until the incident's deliveries satisfy <paramref name="done"/>.</summary>
    public Task<IReadOnlyList<Delivery>> DeliveriesWhenAsync(
        string number,
        Func<IReadOnlyList<Delivery>, bool> done,
        string what,
        int seconds = 30
    ) => Ops.EventuallyAsync(() => DeliveriesAsync(number), done, TimeSpan.FromSeconds(seconds), what);

    /// <summary>The notices of <paramref name="user"/>'s inbox (all of them).</summary>
    public async Task<NotificationPage> InboxAsync(string user, ApiServer? api = null) =>
        await (await NotificationsAsync(user, api)).ListMyNotificationsAsync(
            new ListMyNotificationsRequest { PageSize = 100 }
        );

    /// <summary>Each webhook request the receiver got for <paramref name="delivery"/>.</summary>
    public IReadOnlyList<WebhookReceiver.Received> RequestsFor(string delivery) =>
        [.. Receiver.Requests.Where(r => r.Header(WebhookMessages.DeliveryHeader) == delivery)];

    /// <summary>
    /// Makes every notifier of the deployment read every partition of the event stream from its start again.
    /// </summary>
    public async Task RewindNotifierAsync(IConnectionMultiplexer redis)
    {
        var stream = new IncidentEventStream(new KeySpace(Cluster.ServiceId), new Partitions(Partitions.Default));
        var db = redis.GetDatabase();
        foreach (var partition in stream.Partitions.All)
            if (await db.KeyExistsAsync(stream.Key(partition)))
                await db.ExecuteAsync("XGROUP", "SETID", (RedisKey)stream.Key(partition), Notifier.GroupName, "0");
    }

    /// <summary>
    /// Makes the notifiers forget their view of these incidents, as if they died before they saved it.
    /// </summary>
    public async Task ForgetSeenAsync(IConnectionMultiplexer redis, params string[] numbers)
    {
        var keys = new NotificationKeys(new KeySpace(Cluster.ServiceId), new Partitions(Partitions.Default));
        foreach (var number in numbers)
            Assert.True(await redis.GetDatabase().KeyDeleteAsync(keys.Seen(number)));
    }

    /// <summary>Waits until the notifier group has read and handled everything in the event stream.</summary>
    public Task CaughtUpAsync(ApiServer? api = null) =>
        Ops.EventuallyAsync(
            () => (api ?? Api).Services.GetRequiredService<Notifier>().IsCaughtUpAsync(),
            caught => caught,
            TimeSpan.FromSeconds(30),
            "the notifier to catch up with the event stream"
        );

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis.AsEnumerable().Reverse())
            await api.DisposeAsync();
        _apis.Clear();
        await Cluster.DisposeAsync();
        await Receiver.DisposeAsync();
        Catalog.Dispose();
    }

    /// <summary>The field and reason code of a refusal, as a client reads them from the rich error.</summary>
    public static (StatusCode Code, string? Field, string? Reason) Refusal(RpcException e) =>
        (e.StatusCode, Problems.FieldOf(e), Problems.ReasonOf(e));
}
