using Dispatch.Domain;
using Dispatch.Infrastructure.Notifications;

namespace Dispatch.Api.Tests;

/// <summary>
/// A notification configuration that does not hold is refused at start, each problem naming its setting.
/// </summary>
public class NotificationSettingsTests
{
    private static readonly Catalog Catalog = CatalogLoader.Load(CatalogLoader.DefaultDirectory());

    private static WebhookOptions Hook(string name = "ops") =>
        new()
        {
            Name = name,
            Url = "https://hooks.example.gov.cn/dispatch",
            Secret = "a-secret-of-sixteen+",
        };

    [Fact]
    public void The_shipped_defaults_with_a_sound_webhook_hold()
    {
        var robot = Hook("robot");
        (robot.Kind, robot.Secret) = (WebhookKind.GroupRobot, "");
        var options = new NotificationOptions { Webhooks = [Hook(), robot] };
        Assert.Empty(NotificationOptionsRules.Check(options, Catalog));
    }

    [Fact]
    public void Each_unsound_setting_is_named()
    {
        var unsigned = Hook("unsigned");
        unsigned.Secret = "short";
        var relative = Hook("relative");
        relative.Url = "/hooks";
        var stranger = Hook("stranger");
        stranger.Units = ["NOWHERE"];
        var options = new NotificationOptions
        {
            Lease = TimeSpan.FromSeconds(10),
            Webhooks = [unsigned, relative, stranger, Hook("stranger"), Hook("bad name!")],
        };

        var problems = NotificationOptionsRules.Check(options, Catalog);

        Assert.Equal(
            [
                "Notifications:Lease",
                "Notifications:Webhooks:0:Secret",
                "Notifications:Webhooks:1:Url",
                "Notifications:Webhooks:2:Units",
                "Notifications:Webhooks:3:Name",
                "Notifications:Webhooks:4:Name",
            ],
            problems.Select(p => p.Setting)
        );
        Assert.Contains(problems, p => p.Problem.Contains("'NOWHERE'"));
    }
}
