using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dispatch.Web.Tests;

/// <summary>
/// The inbox (通知) of the console and the field page, in real Chromium against the running system: a notice arrives
/// live under the bell, is acknowledged or marked read from the panel (and the server says so), opens its incident,
/// reads in the page's language, and, while the page is in the background with system notifications allowed, shows
/// as a system notification through the field page's service worker.
/// </summary>
[Collection(SystemCollection.Name)]
public partial class InboxTests(RunningSystem system)
{
    /// <summary>A place in 长寿路街道 (CSL), inside the district.</summary>
    private const double Lat = 31.2412,
        Lon = 121.4433;

    /// <summary>A P2 type of the construction-site scenario, led by CONS: its notices are High and escalate.</summary>
    private const string UrgentType = "SITE_DUST";

    /// <summary>How long a notice may take from a command to the page (the notifier reads the event stream).</summary>
    private const float Live = 60_000;

    [Fact]
    public async Task A_worker_sees_a_notice_arrive_live_under_the_bell_and_acknowledges_it_from_the_panel()
    {
        const string worker = "cons.w2";
        await MarkAllReadAsync(worker);
        var phone = await system.PageAsync(phone: true);
        await system.SignInAsync(phone, "/field/", worker);
        await WaitUntilLiveAsync(phone);
        await Expect(phone.Locator("#bell")).ToHaveAttributeAsync("aria-label", "通知");
        await Expect(phone.Locator("#bell-count")).ToBeHiddenAsync();
        await phone.EvaluateAsync("window.sameDocument = true");

        var number = await DispatchedAsync(worker);
        await Expect(phone.Locator("#bell-count")).ToHaveTextAsync("1", new() { Timeout = Live });
        await Expect(phone.Locator("#bell")).ToHaveAttributeAsync("aria-label", "通知 1 条未读");
        var served = await NoticeAsync(worker, number, "Dispatched");

        await phone.ClickAsync("#bell");
        var notice = phone.Locator($"#inbox-list .notice[data-incident='{number}'][data-topic='Dispatched']");
        await Expect(notice).ToBeVisibleAsync();
        await Expect(notice.Locator(".notice-title")).ToHaveTextAsync(served.GetProperty("titleZh").GetString()!);
        await Expect(notice.Locator(".urgency")).ToHaveTextAsync("紧急");
        await Expect(notice.Locator(".needs-ack")).ToHaveTextAsync("需确认");
        Assert.True(await phone.EvaluateAsync<bool>("window.sameDocument === true"), "the page was reloaded");
        await RunningSystem.AssertAccessibleAsync(phone);
        Assert.Empty(await PageChecks.SmallTouchTargetsAsync(phone));
        await system.ScreenshotAsync(phone, "field-inbox");

        await notice.Locator("[data-ack]").ClickAsync();
        await Expect(notice.Locator(".acked")).ToHaveTextAsync("已确认");
        await Expect(phone.Locator("#bell-count")).ToBeHiddenAsync();
        await Expect(phone.Locator("#bell")).ToHaveAttributeAsync("aria-label", "通知");
        var acknowledged = await NoticeAsync(worker, number, "Dispatched");
        Assert.True(acknowledged.GetProperty("acknowledged").GetBoolean(), "the server does not say acknowledged");
        Assert.Equal(worker, acknowledged.GetProperty("acknowledgedBy").GetString());

        // The dispatcher urges (催办): a second notice arrives live, at the top of the open panel.
        await UrgeAsync(number);
        await Expect(phone.Locator("#bell-count")).ToHaveTextAsync("1", new() { Timeout = Live });
        var urged = phone.Locator($"#inbox-list .notice[data-incident='{number}'][data-topic='Urged']");
        await Expect(urged).ToBeVisibleAsync();
        Assert.Equal("Urged", await phone.Locator("#inbox-list .notice").First.GetAttributeAsync("data-topic"));
        // Its link opens the task on the field page.
        await urged.Locator("a[data-open]").ClickAsync();
        await Expect(phone.Locator("#inbox")).ToBeHiddenAsync();
        await Expect(phone.Locator("#task-title")).ToBeVisibleAsync();
        Assert.Contains($"task={number}", phone.Url);
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task The_console_bell_shows_a_returned_task_in_both_languages_marks_all_read_and_opens_the_case()
    {
        const string worker = "cons.w4";
        var page = await system.PageAsync(1600, 1000);
        await system.SignInAsync(page, "/console/", "dispatcher");
        await WaitUntilLiveAsync(page);
        await page.ClickAsync("#bell");
        await Expect(page.Locator("#inbox")).ToBeVisibleAsync();

        // The worker returns the task (退单): the policy tells the dispatchers.
        var number = await DispatchedAsync(worker);
        await system.ApiAsync(
            HttpMethod.Post,
            $"/api/v1/tasks/{number}:return",
            worker,
            new { commandId = Guid.NewGuid().ToString(), reason = "不属于本单位职责" }
        );
        var notice = page.Locator($"#inbox-list .notice[data-incident='{number}'][data-topic='Returned']");
        await Expect(notice).ToBeVisibleAsync(new() { Timeout = Live });
        await Expect(notice).ToHaveClassAsync(Unread());
        await Expect(page.Locator("#bell")).ToHaveAttributeAsync("aria-label", UnreadLabel());
        var served = await NoticeAsync("dispatcher", number, "Returned");
        await Expect(notice.Locator(".notice-title")).ToHaveTextAsync(served.GetProperty("titleZh").GetString()!);
        await Expect(notice.Locator(".urgency")).ToHaveTextAsync("紧急");
        await RunningSystem.AssertAccessibleAsync(page);
        await system.ScreenshotAsync(page, "console-inbox");
        await page.ClickAsync("#inbox-close");

        // In English, the panel's words and the notice's are English.
        await page.ClickAsync("#lang");
        await page.ClickAsync("#bell");
        await Expect(notice.Locator(".notice-title")).ToHaveTextAsync(served.GetProperty("titleEn").GetString()!);
        await Expect(notice.Locator(".urgency")).ToHaveTextAsync("High");
        await Expect(page.Locator("#inbox-read-all")).ToHaveTextAsync("Mark all read");
        var words = await page.Locator("#inbox")
            .EvaluateAsync<string>(
                "panel => [...panel.querySelectorAll('h2, button, .urgency, .needs-ack, .unread-mark, .acked, a')]"
                    + ".map(e => e.textContent).join(' ')"
            );
        Assert.DoesNotMatch(Han(), words);
        await page.ClickAsync("#inbox-close");
        await page.ClickAsync("#lang");
        await page.ClickAsync("#bell");

        // Mark all read: the server has nothing unread that had arrived by then, nor has the bell. Notices keep coming
        // to the desk (the deadlines of the simulated city), so those newer than the click may be unread.
        var before = await page.EvaluateAsync<double>("Date.now()");
        var reply = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("#inbox-read-all"),
            r => r.Url.EndsWith("/api/v1/notifications:markRead")
        );
        Assert.True(reply.Ok, $"mark all read answered {reply.Status}");
        var marked = await reply.JsonAsync();
        Assert.True(marked?.GetProperty("marked").GetInt32() >= 1, $"mark all read answered {marked}");
        var cut = DateTimeOffset.FromUnixTimeMilliseconds((long)before).AddSeconds(-2);
        var inbox = await system.ApiAsync(HttpMethod.Get, "/api/v1/notifications?pageSize=100", "dispatcher");
        var unreadBefore = inbox
            .GetProperty("items")
            .EnumerateArray()
            .Where(n => !n.GetProperty("read").GetBoolean() && n.GetProperty("deliveredTime").GetDateTimeOffset() < cut)
            .Select(n => n.GetProperty("titleZh").GetString())
            .ToList();
        Assert.Empty(unreadBefore);
        Assert.True((await NoticeAsync("dispatcher", number, "Returned")).GetProperty("read").GetBoolean());
        await Expect(notice).Not.ToHaveClassAsync(Unread());
        await page.WaitForFunctionAsync(
            """
            cut => document.querySelector('#bell-count').hidden
              ? document.querySelector('#bell').getAttribute('aria-label') === '通知'
              : [...document.querySelectorAll('#inbox-list .notice.unread time')]
                  .every(t => Date.parse(t.dateTime) >= cut)
            """,
            before - 2000
        );

        // The notice's link opens the case in the console.
        await notice.Locator("a[data-open]").ClickAsync();
        await Expect(page.Locator("#inbox")).ToBeHiddenAsync();
        await Expect(page.Locator("#d-number")).ToHaveTextAsync(number);
        Assert.Contains($"case={number}", page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_urgent_notice_while_the_field_page_is_in_the_background_shows_a_system_notification()
    {
        const string worker = "cons.w3";
        var phone = await system.PageAsync(phone: true);
        await phone.Context.GrantPermissionsAsync(["notifications"]);
        // What the service worker is asked to show is recorded (headless Chromium shows no system notification to
        // look at), and whether the page is in the background is the test's to say (a headless page is never hidden
        // by another window).
        await phone.Context.AddInitScriptAsync(
            """
            window.shown = [];
            const show = ServiceWorkerRegistration.prototype.showNotification;
            ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
              window.shown.push({ title, options: JSON.parse(JSON.stringify(options ?? {})), by: 'worker' });
              return show.call(this, title, options).catch(() => undefined);
            };
            window.background = false;
            Object.defineProperty(Document.prototype, 'visibilityState', {
              configurable: true,
              get: () => (window.background ? 'hidden' : 'visible'),
            });
            Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => window.background });
            """
        );
        await system.SignInAsync(phone, "/field/", worker);
        await phone.EvaluateAsync("navigator.serviceWorker.ready.then(() => true)");
        await WaitUntilLiveAsync(phone);
        await phone.ClickAsync("#bell");
        await Expect(phone.Locator("#inbox-system")).ToHaveTextAsync("页面在后台时，紧急和特急通知以系统通知提醒");
        await phone.ClickAsync("#inbox-close");

        // In the foreground, a notice shows under the bell only.
        var number = await DispatchedAsync(worker);
        await Expect(phone.Locator($"#inbox-list .notice[data-incident='{number}']"))
            .ToBeAttachedAsync(new() { Timeout = Live });
        Assert.Equal(0, await phone.EvaluateAsync<int>("window.shown.length"));

        // In the background, an urgent notice shows as a system notification too.
        await phone.EvaluateAsync("window.background = true; document.dispatchEvent(new Event('visibilitychange'))");
        await UrgeAsync(number);
        await phone.WaitForFunctionAsync(
            "number => window.shown.some(n => n.options.data?.incident === number)",
            number,
            new() { Timeout = Live }
        );
        var urged = await NoticeAsync(worker, number, "Urged");
        var shown = await phone.EvaluateAsync<JsonElement>(
            "number => window.shown.find(n => n.options.data?.incident === number)",
            number
        );
        Assert.Equal("worker", shown.GetProperty("by").GetString());
        Assert.Equal(urged.GetProperty("titleZh").GetString(), shown.GetProperty("title").GetString());
        var options = shown.GetProperty("options");
        Assert.Equal(urged.GetProperty("id").GetString(), options.GetProperty("tag").GetString());
        Assert.Equal($"紧急 · 案件 {number}", options.GetProperty("body").GetString());
        Assert.EndsWith($"/field/#task={number}", options.GetProperty("data").GetProperty("url").GetString());
        Assert.Equal(1, await phone.EvaluateAsync<int>("window.shown.length"));
        await phone.Context.CloseAsync();
    }

    /// <summary>Waits until the page has its inbox's snapshot: from then on every notice streams in.</summary>
    private static Task WaitUntilLiveAsync(IPage page) =>
        Expect(page.Locator("#bell[data-live=true]")).ToBeAttachedAsync(new() { Timeout = Live });

    /// <summary>A P2 incident reported, filed and dispatched to the worker (CONS): answers its number.</summary>
    private async Task<string> DispatchedAsync(string worker)
    {
        var number = await system.ReportAsync(UrgentType, "测试：工地扬尘", Lat, Lon);
        await system.FileAsync(number);
        await system.DispatchAsync(number, "CONS", new() { ["CONS"] = worker });
        return number;
    }

    private Task UrgeAsync(string number) =>
        system.ApiAsync(
            HttpMethod.Post,
            $"/api/v1/incidents/{number}:urge",
            "dispatcher",
            new
            {
                commandId = Guid.NewGuid().ToString(),
                unit = "CONS",
                text = "请尽快到场",
            }
        );

    private Task MarkAllReadAsync(string user) =>
        system.ApiAsync(HttpMethod.Post, "/api/v1/notifications:markRead", user, new { all = true });

    /// <summary>The user's notice about the incident and topic, as the server lists it.</summary>
    private async Task<JsonElement> NoticeAsync(string user, string number, string topic)
    {
        var inbox = await system.ApiAsync(HttpMethod.Get, "/api/v1/notifications?pageSize=100", user);
        return inbox
            .GetProperty("items")
            .EnumerateArray()
            .Single(n =>
                n.GetProperty("incident").GetString() == number && n.GetProperty("topic").GetString() == topic
            );
    }

    [GeneratedRegex(@"\bunread\b")]
    private static partial Regex Unread();

    [GeneratedRegex(@"^通知 \d+ 条未读$")]
    private static partial Regex UnreadLabel();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Han();
}
