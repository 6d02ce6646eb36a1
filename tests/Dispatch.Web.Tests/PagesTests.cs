using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Dispatch.Web.Tests;

/// <summary>
/// The three pages in real headless Chromium against the running system: a simulated alert reaches the
/// dispatcher's console live and is dispatched; the worker on a phone handles it across an offline spell and a
/// reload; the reviewer closes it; the auditor sees the figures move and downloads them.
/// </summary>
[Collection(SystemCollection.Name)]
public class PagesTests(RunningSystem system)
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_alert_goes_from_the_console_to_the_phone_to_review_and_into_the_figures()
    {
        // The auditor's figures before.
        var audit = await system.PageAsync();
        await system.SignInAsync(audit, "/audit/", "auditor");
        var closedBefore = int.Parse(await audit.InnerTextAsync("[data-figure=closed] b"));

        // The dispatcher watches the shop scenario; a simulated alert appears without a reload.
        var console = await system.PageAsync();
        await system.SignInAsync(console, "/console/", "dispatcher");
        Assert.Equal("dispatcher", await console.GetAttributeAsync("#watermark", "data-user"));
        Assert.True(
            await console.EvaluateAsync<bool>("document.fonts.check('14px \"WenQuanYi Micro Hei\"')"),
            "the Chinese font is not installed"
        );
        await console.SelectOptionAsync("#f-scenario", "shop");
        var number = await WaitForNewRowAsync(console);

        await console.ClickAsync($"#queue .row[data-number='{number}']");
        await console.WaitForSelectorAsync($"#d-number:text('{number}')");
        if (await console.IsVisibleAsync("[data-action=file]"))
        {
            await console.ClickAsync("[data-action=file]");
            await console.WaitForSelectorAsync("#d-state:text('立案')");
        }
        await console.ClickAsync("[data-action=dispatch]");
        var lead = await console.InputValueAsync("#dispatch-unit");
        Assert.False(string.IsNullOrEmpty(lead), "the recommended unit is preselected");
        var worker = await console.InputValueAsync($"#dialog select[data-unit='{lead}']");
        Assert.False(string.IsNullOrEmpty(worker), "a worker of the lead unit is recommended and preselected");
        Assert.Contains("须主办与每个协办单位都反馈处置结果", await console.InnerTextAsync("#dialog .hint"));
        // The lead unit alone, so that its result goes to review without waiting for co-units (named units to tick).
        await console.EvalOnSelectorAllAsync(
            "#dialog input[name=coUnits]:not([disabled])",
            "boxes => boxes.forEach(b => { b.checked = false; })"
        );
        await console.ClickAsync("#dialog-ok");
        await console.WaitForSelectorAsync("#d-state:text('派遣')");
        await system.ScreenshotAsync(console, "console");

        // The worker's phone: accept online, then arrive and submit with a photo offline, reload, come back.
        var phone = await system.PageAsync(phone: true);
        await system.SignInAsync(phone, "/field/", worker);
        await phone.EvaluateAsync("navigator.serviceWorker.ready.then(() => true)");
        await phone.ClickAsync($".task[data-number='{number}']");
        await phone.ClickAsync("[data-kind=accept]");
        await phone.WaitForSelectorAsync(
            "#waiting",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached }
        );
        // The page stays on the task after the action: the next step is there without going back to the list.
        await phone.WaitForSelectorAsync("[data-kind=arrive]");
        Assert.Equal(0, await phone.Locator(".task").CountAsync());
        Assert.Empty(await PageChecks.SmallTouchTargetsAsync(phone));

        // Offline, and the phone has no position fix (no permission): it says so and sends none.
        await phone.Context.SetOfflineAsync(true);
        await phone.ClickAsync("[data-kind=arrive]");
        await phone.WaitForSelectorAsync("#toast:text('未能获取手机定位')");
        await phone.WaitForSelectorAsync("#result .required:text('照片必填')");
        await phone.SetInputFilesAsync(
            "input[name=photo]",
            new FilePayload
            {
                Name = "bin.jpg",
                MimeType = "image/jpeg",
                Buffer = await PhotoAsync(phone),
            }
        );
        await phone.WaitForSelectorAsync("#preview[src^='data:image/jpeg']");
        await phone.FillAsync("textarea[name=note]", "已清理，垃圾桶已复位");
        // With a fix, the result carries the phone's own position.
        await phone.Context.GrantPermissionsAsync(["geolocation"]);
        await phone.Context.SetGeolocationAsync(
            new Geolocation
            {
                Latitude = 31.2412f,
                Longitude = 121.4433f,
                Accuracy = 12,
            }
        );
        await phone.ClickAsync("#submit");
        await phone.WaitForSelectorAsync("#waiting-count:text-is('2')");
        await phone.ReloadAsync();
        await phone.WaitForSelectorAsync("#waiting-count:text-is('2')");
        await phone.WaitForSelectorAsync("#conn[data-state=offline]");
        await system.ScreenshotAsync(phone, "field-offline");
        await phone.Context.SetOfflineAsync(false);
        await phone.WaitForSelectorAsync(
            "#waiting",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached, Timeout = 60_000 }
        );
        await phone.WaitForSelectorAsync("#submitted:text('已提交，等待核查')");
        await system.ScreenshotAsync(phone, "field");

        var handled = await system.IncidentAsync(number);
        var kinds = handled
            .GetProperty("timeline")
            .EnumerateArray()
            .Select(e => e.GetProperty("kind").GetString())
            .ToList();
        Assert.Single(kinds, k => k == "resultSubmitted");
        Assert.Single(kinds, k => k == "arrived");
        Assert.Equal("UnderReview", handled.GetProperty("summary").GetProperty("state").GetString());
        Assert.Single(handled.GetProperty("evidence").EnumerateArray());
        Assert.False(
            Details(handled, "arrived").TryGetProperty("location", out var arrivedAt)
                && arrivedAt.ValueKind == JsonValueKind.Object,
            "with no fix the phone sent a position (the incident's, not its own)"
        );
        var submittedAt = Details(handled, "resultSubmitted").GetProperty("location");
        Assert.Equal(31.2412, submittedAt.GetProperty("lat").GetDouble(), 3);
        Assert.Equal(121.4433, submittedAt.GetProperty("lon").GetDouble(), 3);

        // The reviewer closes it from the console.
        var review = await system.PageAsync();
        await system.SignInAsync(review, "/console/", "reviewer");
        await review.FillAsync("#q", number);
        await review.ClickAsync($"#queue .row[data-number='{number}']");
        await review.ClickAsync("[data-action=approve]");
        await review.ClickAsync("#dialog-ok");
        await review.WaitForSelectorAsync("#d-state:text('结案')");
        await review.WaitForSelectorAsync(".evidence img[src^='blob:']");
        await system.ScreenshotAsync(review, "console-review");

        // The auditor's figures move; the CSV downloads.
        for (var i = 0; i < 60 && int.Parse(await audit.InnerTextAsync("[data-figure=closed] b")) <= closedBefore; i++)
        {
            await audit.ClickAsync("#refresh");
            await audit.WaitForSelectorAsync("#refresh:not([disabled])");
            await Task.Delay(500);
        }
        Assert.True(
            int.Parse(await audit.InnerTextAsync("[data-figure=closed] b")) > closedBefore,
            "the closed figure did not move"
        );
        var download = await audit.RunAndWaitForDownloadAsync(() => audit.ClickAsync("#export"));
        var csv = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal(Encoding.UTF8.GetPreamble(), csv[..3]);
        Assert.StartsWith("分组,名称,代码,上报数", Encoding.UTF8.GetString(csv[3..]));
        Assert.Matches(@"^合计,全区,,\d+,\d+,\d+,\d+,(\d+\.\d%)?,", Encoding.UTF8.GetString(csv[3..]).Split("\r\n")[1]);
        Assert.True(await audit.Locator("#ranking .grade").CountAsync() > 0, "the ranking shows graded units");
        await system.ScreenshotAsync(audit, "audit");
    }

    [Fact]
    public async Task The_pages_speak_english_on_request_and_show_a_lost_connection()
    {
        var console = await system.PageAsync();
        await system.SignInAsync(console, "/console/", "dispatcher");
        Assert.Equal("调度台", await console.InnerTextAsync("header h1 span:nth-child(2)"));
        await console.ClickAsync("#lang");
        Assert.Equal("Dispatch console", await console.InnerTextAsync("header h1 span:nth-child(2)"));
        await console.ClickAsync("#lang");

        await console.WaitForSelectorAsync("#conn[data-state=ok]");
        await console.Context.SetOfflineAsync(true);
        await console.WaitForSelectorAsync("#conn[data-state=lost]");
        await console.Context.SetOfflineAsync(false);
        await console.WaitForSelectorAsync("#conn[data-state=ok]", new PageWaitForSelectorOptions { Timeout = 60_000 });

        var bad = await console.EvaluateAsync<string>(
            "import('/js/common.js').then(m => m.call('GET', '/api/v1/incidents/PT-20991231-000001')"
                + ".then(() => '', e => e.advice))"
        );
        Assert.Equal("案件不存在或不在您的范围内。", bad);
    }

    /// <summary>The event of this kind on the incident's timeline, as the event log recorded it.</summary>
    private static JsonElement Details(JsonElement incident, string kind) =>
        JsonDocument
            .Parse(
                incident
                    .GetProperty("timeline")
                    .EnumerateArray()
                    .Single(e => e.GetProperty("kind").GetString() == kind)
                    .GetProperty("detailsJson")
                    .GetString()!
            )
            .RootElement;

    /// <summary>A real JPEG, drawn by the browser itself.</summary>
    private static async Task<byte[]> PhotoAsync(IPage page)
    {
        var data = await page.EvaluateAsync<string>(
            """
            (() => {
              const c = document.createElement('canvas'); c.width = 64; c.height = 48; const g = c.getContext('2d');
              g.fillStyle = '#2a7'; g.fillRect(0, 0, 64, 48); g.fillStyle = '#fff'; g.fillRect(20, 10, 24, 28);
              return c.toDataURL('image/jpeg', 0.9).split(',')[1]; })()
            """
        );
        return Convert.FromBase64String(data);
    }

    /// <summary>
    /// Waits for a simulated shop incident that was not in the queue when the console opened and can still be filed
    /// or dispatched: it is waiting to be filed (上报待立案) or filed and waiting for dispatch (立案待派).
    /// </summary>
    private static async Task<string> WaitForNewRowAsync(IPage console)
    {
        var seen = new Dictionary<string, HashSet<string>>();
        var until = DateTime.UtcNow + Live;
        while (DateTime.UtcNow < until)
        {
            foreach (var bucket in new[] { "dispatch", "report" })
            {
                await console.ClickAsync($"#buckets [data-bucket={bucket}]");
                await console.WaitForFunctionAsync(
                    $"document.querySelector('#buckets [data-bucket={bucket}]').getAttribute('aria-pressed') === 'true'"
                );
                await console.WaitForSelectorAsync("#total:not(:text('加载中…'))");
                var rows = await console
                    .Locator("#queue .row")
                    .EvaluateAllAsync<string[][]>("rows => rows.map(r => [r.dataset.number, r.dataset.state])");
                if (
                    seen.TryGetValue(bucket, out var before)
                    && rows.FirstOrDefault(r => !before.Contains(r[0]) && r[1] is "Reported" or "Filed") is { } row
                )
                    return row[0];
                seen[bucket] = [.. (seen.GetValueOrDefault(bucket) ?? []).Concat(rows.Select(r => r[0]))];
            }
            await Task.Delay(1000);
        }
        throw new TimeoutException($"no new shop incident reached the console within {Live}");
    }
}
