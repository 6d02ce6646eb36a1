using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace Dispatch.Api.Notifications;

/// <summary>
/// The notifications of the API service (section <c>Notifications</c>, see <see cref="NotificationOptions"/>): the
/// policy and the roster from the catalog folder (<c>notifications.json</c>, <c>roster.json</c>), the inbox and its
/// live feed, the delivery of notices over the in-app and webhook channels, and, unless <c>Notifications:Enabled</c>
/// is false, the notifier reading the event stream and the sweeper of retries and escalations. Any number of API
/// instances may run them together. A configuration that does not hold stops the service at start, naming the
/// setting.
/// </summary>
public static class NotificationsHosting
{
    public const string Section = "Notifications";

    public static WebApplicationBuilder AddDispatchNotifications(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(NoticeDelivery)))
            return builder;
        var configuration = builder.Configuration;
        var section = configuration.GetSection(Section);
        services.AddOptions<NotificationOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, OptionsRules>();
        services.TryAddSingleton(TimeProvider.System);
        var catalogDirectory = configuration["Catalog:Path"] is { Length: > 0 } path
            ? path
            : CatalogLoader.DefaultDirectory();
        services.TryAddSingleton(sp => RosterLoader.Load(catalogDirectory, sp.GetRequiredService<Catalog>()));
        services.TryAddSingleton(sp =>
            NotificationPolicyLoader.Load(
                catalogDirectory,
                sp.GetRequiredService<Catalog>(),
                sp.GetRequiredService<DutyRoster>()
            )
        );
        services.TryAddSingleton<INoticeDirectory, DirectoryRecipients>();
        services.AddSingleton<NotificationKeys>();
        services.AddSingleton<NotificationStore>();
        services.AddSingleton<Inbox>();
        services.AddSingleton<InboxFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxFeed>());
        services.AddSingleton<RecipientResolver>();
        // The client's own request logs would write webhook URLs, whose query may hold a robot's token and signature.
        services
            .AddHttpClient(WebhookSender.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.AddResiliencePipelineRegistry<string>();
        services.AddSingleton<WebhookSender>();
        // Registered before the notifier and the sweeper, so that it stops after them.
        services.AddSingleton<NoticeDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<NoticeDelivery>());
        if (section.GetValue(nameof(NotificationOptions.Enabled), true))
        {
            services.AddSingleton<Notifier>();
            services.AddHostedService(sp => sp.GetRequiredService<Notifier>());
            services.AddSingleton<NotificationSweeper>();
            services.AddHostedService(sp => sp.GetRequiredService<NotificationSweeper>());
        }
        return builder;
    }

    public static WebApplication MapDispatchNotifications(this WebApplication app)
    {
        app.MapGrpcService<NotificationsService>().RequireAuthorization();
        return app;
    }

    private sealed class OptionsRules(Catalog catalog) : IValidateOptions<NotificationOptions>
    {
        public ValidateOptionsResult Validate(string? name, NotificationOptions options) =>
            NotificationOptionsRules.Check(options, catalog) is { Count: > 0 } problems
                ? ValidateOptionsResult.Fail(problems.Select(p => p.ToString()))
                : ValidateOptionsResult.Success;
    }
}
