using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dispatch.Web.Tests;

/// <summary>
/// The craft of every page in real Chromium: no critical or serious accessibility violation (axe-core), one language
/// per screen, the queue worked from the keyboard, the map of the district drawn, and screenshots at a phone's, a
/// laptop's and a wall screen's size with nothing wider than the screen.
/// </summary>
[Collection(SystemCollection.Name)]
public partial class PageCraftTests(RunningSystem system)
{
    /// <summary>Each page with the user who works on it; no user means the sign-in form.</summary>
    public static TheoryData<string, string, string> Screens =>
        new()
        {
            { "home", "/", "" },
            { "signin", "/console/", "" },
            { "console", "/console/", "dispatcher" },
            { "field-tasks", "/field/", "green.w1" },
            { "field-report", "/field/#report", "green.w1" },
            { "audit", "/audit/", "auditor" },
            { "overview", "/overview/", "dispatcher" },
        };

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Every_page_has_no_critical_or_serious_accessibility_violation(
        string name,
        string path,
        string user
    )
    {
        foreach (var language in new[] { "zh-CN", "en" })
        {
            var page = await OpenAsync(
                path,
                user,
                name.StartsWith("field", StringComparison.Ordinal) ? (390, 844) : (1440, 900),
                language
            );
            if (name == "console")
                await OpenFirstIncidentAsync(page);
            await RunningSystem.AssertAccessibleAsync(page, $"{name} in {language}:");
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Every_page_fits_a_phone_a_laptop_and_a_wall_screen(string name, string path, string user)
    {
        foreach (var (width, height) in new[] { (390, 844), (1440, 900), (2560, 1440) })
        {
            var page = await OpenAsync(path, user, (width, height), "zh-CN");
            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 1, $"{name} at {width}×{height} is {overflow} px wider than the screen");
            var file = Path.Combine(system.Screenshots, $"{name}-{width}x{height}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
            Assert.True(new FileInfo(file).Length > 0, file);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Every_screen_speaks_one_language()
    {
        foreach (
            var (path, user) in new[]
            {
                ("/console/", "dispatcher"),
                ("/audit/", "auditor"),
                ("/overview/", "dispatcher"),
                ("/field/", "green.w1"),
            }
        )
        {
            var english = await OpenAsync(path, user, (1440, 900), "en");
            if (path == "/console/")
                await OpenFirstIncidentAsync(english);
            var words = await ChromeTextAsync(english);
            Assert.False(
                Han().IsMatch(words),
                $"Chinese on the English {path}: "
                    + $"{string.Join(' ', Han().Matches(words).Select(m => m.Value).Distinct())}"
            );
            await english.Context.CloseAsync();

            var chinese = await OpenAsync(path, user, (1440, 900), "zh-CN");
            if (path == "/console/")
                await OpenFirstIncidentAsync(chinese);
            words = await ChromeTextAsync(chinese);
            Assert.False(
                Latin().IsMatch(words),
                $"English on the Chinese {path}: "
                    + $"{string.Join(' ', Latin().Matches(words).Select(m => m.Value).Distinct())}"
            );
            await chinese.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_queue_is_worked_from_the_keyboard()
    {
        var page = await OpenAsync("/console/", "dispatcher", (1440, 900), "zh-CN");
        await page.WaitForFunctionAsync(
            "document.querySelectorAll('#queue .row').length >= 3",
            null,
            new PageWaitForFunctionOptions { Timeout = 120_000 }
        );
        await page.FocusAsync("#queue .row:first-child");
        var first = await page.EvaluateAsync<string>("document.activeElement.dataset.number");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowUp");
        var second = await page.EvaluateAsync<string>("document.activeElement.dataset.number");
        Assert.NotEqual(first, second);
        Assert.Equal(await page.GetAttributeAsync("#queue .row:nth-child(2)", "data-number"), second);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync($"#d-number:text-is('{second}')");
        Assert.Equal("true", await page.GetAttributeAsync($"#queue .row[data-number='{second}']", "aria-selected"));
        Assert.Contains($"case={second}", page.Url);

        // The open case and the filters live in the address: a reload shows the same.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync($"#d-number:text-is('{second}')");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_console_draws_the_district_with_its_incidents()
    {
        var page = await OpenAsync("/console/", "dispatcher", (1440, 900), "zh-CN");
        await page.WaitForSelectorAsync("#map[data-ready=true] canvas");
        var box = await page.Locator("#map canvas").BoundingBoxAsync();
        Assert.True(box is { Width: > 400, Height: > 300 }, $"the map is {box?.Width}×{box?.Height} px");
        // Heat of one kind shows its legend, with how many incidents it is made of.
        await page.SelectOptionAsync("#heat", "scenario:shop");
        await page.WaitForSelectorAsync(".map-legend:not([hidden])");
        Assert.Matches(@"\(\d+\)", await page.InnerTextAsync(".map-legend"));
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Opens a page at a size and in a language, signed in as the user (or at the sign-in form), ready.
    /// </summary>
    private async Task<IPage> OpenAsync(string path, string user, (int Width, int Height) size, string language)
    {
        var page = await system.PageAsync(size.Width, size.Height, touch: size.Width < 600);
        var hash = path.IndexOf('#');
        await page.GotoAsync(hash < 0 ? $"{path}?lang={language}" : $"{path[..hash]}?lang={language}{path[hash..]}");
        if (user.Length == 0)
        {
            if (path != "/")
                await page.WaitForSelectorAsync("#signin:not([hidden]) input[name=user]");
            return page;
        }
        await page.FillAsync("#signin [name=user]", user);
        await page.FillAsync("#signin [name=password]", RunningSystem.Password);
        await page.ClickAsync("#signin button");
        await page.WaitForSelectorAsync("#app:not([hidden])");
        var ready = path.Split('#')[0] switch
        {
            "/console/" => "#map[data-ready=true] >> nth=0",
            "/overview/" => "#kpis .kpi",
            "/audit/" => "#ranking tr",
            _ => "#view > *",
        };
        await page.WaitForSelectorAsync(ready, new PageWaitForSelectorOptions { Timeout = 120_000 });
        if (path == "/console/")
            await page.WaitForSelectorAsync("#total:not(:text('加载中…')):not(:text('Loading…'))");
        return page;
    }

    private static async Task OpenFirstIncidentAsync(IPage page)
    {
        await page.WaitForSelectorAsync("#queue .row", new PageWaitForSelectorOptions { Timeout = 120_000 });
        var number = await page.GetAttributeAsync("#queue .row >> nth=0", "data-number");
        await page.ClickAsync($"#queue .row[data-number='{number}']");
        await page.WaitForSelectorAsync($"#d-number:text-is('{number}')");
    }

    /// <summary>
    /// The words the page itself puts on the screen (headings, labels, buttons, table heads, terms), not the data.
    /// </summary>
    private static Task<string> ChromeTextAsync(IPage page) =>
        page.EvaluateAsync<string>(
            """
            [...document.querySelectorAll('h1, h2, h3, label, button:not(#lang), th[scope=col], dt, caption, .keys, '
                + '#total, .kpi .label, .kpi .sub, #conn, .badge, .due, #task-state, .map-legend')]
              .filter(e => e.getClientRects().length > 0)
              .map(e => {
                const c = e.cloneNode(true);
                c.querySelectorAll('select, option').forEach(x => x.remove());
                return c.textContent;
              })
              .join('\n')
            """
        );

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}+")]
    private static partial Regex Han();

    [GeneratedRegex(@"\b[A-Za-z]{2,}\b")]
    private static partial Regex Latin();
}

/// <summary>Checks that more than one test makes of a page.</summary>
public static class PageChecks
{
    /// <summary>The visible controls smaller than 44 × 44 CSS pixels (the least a finger hits reliably).</summary>
    public static Task<string[]> SmallTouchTargetsAsync(IPage page) =>
        page.EvaluateAsync<string[]>(
            """
            [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, [role=button]')]
              .filter(e => e.getClientRects().length > 0)
              .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
              .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} `
                + `${Math.round(e.getBoundingClientRect().width)}×${Math.round(e.getBoundingClientRect().height)}`)
            """
        );
}
