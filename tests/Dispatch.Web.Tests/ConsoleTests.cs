using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Dispatch.Web.Tests;

/// <summary>
/// The console a district runs on, in real Chromium against the running system: the action queue the server keeps
/// (buckets, order by deadline, a storm of arrivals with the hovered row held still and the list bounded), a case
/// found by its last digits, intake with duplicates nearby, the people-in-the-loop actions, the wall screen with a
/// kiosk key, and the field page's live tasks, duty position and hand-over.
/// </summary>
[Collection(SystemCollection.Name)]
public class ConsoleTests(RunningSystem system)
{
    /// <summary>A place in 长寿路街道 (CSL), inside the district.</summary>
    private const double Lat = 31.2412,
        Lon = 121.4433;

    [Fact]
    public async Task The_queue_shows_each_bucket_with_its_count_the_first_deadline_first()
    {
        for (var i = 0; i < 3; i++)
            await ReportAsync("SHOP_BIN_ON_STREET");
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, "/console/?bucket=report", "dispatcher");
        await page.WaitForSelectorAsync("#queue .row");
        var count = int.Parse(await page.InnerTextAsync("#buckets [data-bucket=report] b"));
        Assert.True(count >= 3, $"the report bucket counts {count}");
        Assert.Equal("true", await page.GetAttributeAsync("#buckets [data-bucket=report]", "aria-pressed"));
        var dues = await page.Locator("#queue .row .due")
            .EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.due)");
        // The server orders by the due instant to the millisecond, then by priority.
        var instants = dues.Select(d =>
                d.Length == 0 ? long.MaxValue : DateTimeOffset.Parse(d).ToUnixTimeMilliseconds()
            )
            .ToList();
        Assert.Equal(instants.Order(), instants);
        Assert.All(
            await page.Locator("#queue .row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.state)"),
            state => Assert.Equal("Reported", state)
        );
        // Another bucket is one click, and the address says which.
        await page.ClickAsync("#buckets [data-bucket=dispatch]");
        await page.WaitForFunctionAsync("location.search.includes('bucket') === false");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_storm_of_arrivals_leaves_the_hovered_row_still_is_announced_and_the_list_stays_bounded()
    {
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, "/console/?bucket=report", "dispatcher");
        for (var i = 0; i < 3; i++)
            await ReportAsync("SHOP_SMALL_BAG");
        await page.WaitForFunctionAsync("document.querySelectorAll('#queue .row').length >= 3");
        var row = page.Locator("#queue .row").Nth(1);
        var number = await row.GetAttributeAsync("data-number");
        await row.HoverAsync();
        var before = await row.BoundingBoxAsync();

        // Reported incidents have the shortest deadlines of the bucket: each would sort above the hovered row.
        await Task.WhenAll(Enumerable.Range(0, 240).Select(_ => ReportAsync("SHOP_SMALL_BAG")));
        await page.WaitForSelectorAsync("#arrivals:not([hidden])");
        Assert.Matches(@"^\d+ 条新案件", await page.InnerTextAsync("#arrivals"));
        var held = page.Locator($"#queue .row[data-number='{number}']");
        var after = await held.BoundingBoxAsync();
        Assert.Equal(before!.Y, after!.Y, 0.5);
        Assert.Equal(
            number,
            await page.EvaluateAsync<string>("document.querySelectorAll('#queue .row')[1].dataset.number")
        );

        // Away from the list, the arrivals join in their places; the list never holds more than its bound.
        await page.Mouse.MoveAsync(1400, 20);
        await page.WaitForSelectorAsync(
            "#arrivals[hidden]",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached }
        );
        await page.WaitForSelectorAsync(
            "#announce:has-text('条新案件')",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached }
        );
        Assert.InRange(await page.Locator("#queue .row").CountAsync(), 3, 200);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_case_is_found_by_the_last_digits_of_its_number()
    {
        var number = await ReportAsync("SHOP_BIN_OVERFLOW");
        for (var i = 0; i < 20; i++)
            await ReportAsync("SHOP_BIN_OVERFLOW");
        // The read model indexes numbers as it projects; wait until it has this one.
        for (
            var i = 0;
            i < 120
                && (await system.ApiAsync(HttpMethod.Get, $"/api/v1/numbers/{number[^6..]}", "dispatcher"))
                    .GetProperty("items")
                    .EnumerateArray()
                    .All(x => x.GetProperty("number").GetString() != number);
            i++
        )
            await Task.Delay(500);
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, "/console/", "dispatcher");
        await page.FillAsync("#q", number[^6..]);
        await page.WaitForSelectorAsync($"#d-number:text-is('{number}')");
        Assert.Contains($"case={number}", page.Url);
        await page.FillAsync("#q", "99999999-999999");
        await page.WaitForSelectorAsync("#total:text('没有符合条件的案件')");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Intake_shows_the_open_case_of_the_same_type_nearby_and_joins_it_as_a_duplicate()
    {
        var first = await ReportAsync("SHOP_BIN_ON_STREET");
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, "/console/", "dispatcher");
        await page.ClickAsync("#intake-open");
        await page.SelectOptionAsync("#i-type", "SHOP_BIN_ON_STREET");
        await page.SelectOptionAsync("#i-street", "CSL");
        await page.WaitForSelectorAsync($"#duplicates [data-number='{first}']");
        await page.FillAsync("#i-description", "市民来电：店门口垃圾桶堆放在人行道上");
        await page.FillAsync("#i-caller", "张先生");
        await page.FillAsync("#i-phone", "13800001234");
        await page.FillAsync("#i-ref", "12345-2026-000777");
        await page.ClickAsync($"#duplicates [data-join='{first}']");
        await page.WaitForSelectorAsync($"#d-number:text-is('{first}')");
        var merged = await system.IncidentAsync(first);
        var from = merged.GetProperty("mergedFrom").EnumerateArray().Select(e => e.GetString()!).ToList();
        var joined = Assert.Single(from);
        var duplicate = await system.IncidentAsync(joined);
        Assert.Equal("Merged", duplicate.GetProperty("summary").GetProperty("state").GetString());
        Assert.Equal("12345-2026-000777", duplicate.GetProperty("summary").GetProperty("sourceRef").GetString());
        Assert.Equal("Hotline", duplicate.GetProperty("summary").GetProperty("channel").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_urgent_call_is_handled_as_P1_and_the_console_reclassifies_and_urges_from_the_servers_actions()
    {
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, "/console/", "dispatcher");
        await page.ClickAsync("#intake-open");
        await page.SelectOptionAsync("#i-type", "SHOP_SMALL_BAG");
        await page.FillAsync("#i-address", "长寿路");
        await page.ClickAsync("#i-locate");
        await page.WaitForSelectorAsync("#i-place:text('已按地址定位')");
        await page.CheckAsync("#i-urgent");
        await page.ClickAsync("#i-submit");
        await page.WaitForSelectorAsync("#d-number");
        var number = await page.InnerTextAsync("#d-number");
        var urgent = await system.IncidentAsync(number);
        Assert.Equal("P1", urgent.GetProperty("summary").GetProperty("priority").GetString());
        Assert.Contains(
            urgent.GetProperty("timeline").EnumerateArray(),
            e => e.GetProperty("kind").GetString() == "reclassified"
        );

        // The buttons are the server's actions for this caller and state, and nothing else.
        var actions = urgent
            .GetProperty("summary")
            .GetProperty("actions")
            .EnumerateArray()
            .Select(a => a.GetString())
            .ToHashSet();
        var buttons = (
            await page.Locator("#actions [data-action]")
                .EvaluateAllAsync<string[]>("bs => bs.map(b => b.dataset.action)")
        ).ToHashSet();
        Assert.Subset(actions!, buttons!);
        Assert.Contains("reclassify", buttons);
        await page.ClickAsync("[data-action=reclassify]");
        await page.SelectOptionAsync("#reclassify-priority", "P2");
        await page.FillAsync("#dialog input[name=reason]", "复核后非紧急");
        await page.ClickAsync("#dialog-ok");
        await page.WaitForSelectorAsync("#timeline li[data-kind=reclassified] >> nth=1");
        Assert.Contains("复核后非紧急", await page.InnerTextAsync("#timeline"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_case_file_reads_in_words_with_names_notes_and_units_with_their_progress()
    {
        var number = await ReportAsync("SHOP_BIN_OVERFLOW");
        await system.FileAsync(number);
        await system.DispatchAsync(number, "GREEN", new() { ["GREEN"] = "green.w2", ["CSL"] = "csl.w1" }, "CSL");
        await system.ApiAsync(
            HttpMethod.Post,
            $"/api/v1/incidents/{number}:note",
            "dispatcher",
            new { commandId = Guid.NewGuid().ToString(), text = "请先联系店主" }
        );
        var page = await system.PageAsync(1440, 900);
        await system.SignInAsync(page, $"/console/?case={number}", "dispatcher");
        await page.WaitForSelectorAsync($"#d-number:text-is('{number}')");
        var timeline = await page.InnerTextAsync("#timeline");
        Assert.Contains("“请先联系店主”", timeline);
        Assert.Contains("李明", timeline); // the dispatcher's name, not their user id
        Assert.DoesNotContain("noteAdded", timeline);
        var parts = await page.InnerTextAsync("#parts");
        Assert.Contains("协办", parts);
        Assert.Equal(2, await page.Locator("#parts .part").CountAsync());
        Assert.DoesNotContain("CSL", parts);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_field_page_shows_a_new_task_without_a_reload_and_sends_the_phones_own_position_on_duty()
    {
        await OnShiftAllDayAsync("green.w3");
        var phone = await system.PageAsync(phone: true);
        await phone.Context.GrantPermissionsAsync(["geolocation"]);
        await phone.Context.SetGeolocationAsync(
            new Geolocation
            {
                Latitude = 31.2398f,
                Longitude = 121.4301f,
                Accuracy = 18,
            }
        );
        await system.SignInAsync(phone, "/field/", "green.w3");
        await phone.WaitForSelectorAsync("#duty:not([hidden]) [data-status]");
        await phone.ClickAsync("#duty [data-status=OnDutyFree]");
        await phone.WaitForSelectorAsync("#duty-fix[data-fix=yes]");
        var me = await WaitForPersonAsync("green.w3", p => p.TryGetProperty("position", out _));
        Assert.Equal(31.2398, me.GetProperty("position").GetProperty("lat").GetDouble(), 3);
        Assert.Equal(18, me.GetProperty("accuracyM").GetDouble(), 0);

        var number = await ReportAsync("SHOP_BIN_OVERFLOW");
        await system.FileAsync(number);
        await system.DispatchAsync(number, "GREEN", new() { ["GREEN"] = "green.w3" });
        await phone.WaitForSelectorAsync(
            $".task[data-number='{number}']",
            new PageWaitForSelectorOptions { Timeout = 60_000 }
        );
        await phone.ClickAsync("#duty [data-status=OffDuty]");
        await phone.WaitForSelectorAsync("#duty-fix[data-fix=no]");
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_a_fix_the_field_page_says_so_and_sends_no_position()
    {
        await OnShiftAllDayAsync("green.w4");
        var phone = await system.PageAsync(phone: true);
        await system.SignInAsync(phone, "/field/", "green.w4");
        await phone.WaitForSelectorAsync("#duty:not([hidden]) [data-status]");
        await phone.ClickAsync("#duty [data-status=Busy]");
        await phone.WaitForSelectorAsync("#duty-fix:text('手机没有定位')");
        var me = await WaitForPersonAsync("green.w4", p => p.GetProperty("status").GetString() == "Busy");
        Assert.False(me.TryGetProperty("position", out _), "a position was sent without a fix");
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task Unit_staff_hand_a_task_to_a_worker_of_their_unit()
    {
        var number = await ReportAsync("SHOP_BIN_OVERFLOW");
        await system.FileAsync(number);
        await system.DispatchAsync(number, "GREEN", new() { ["GREEN"] = "green.w1" });
        var phone = await system.PageAsync(phone: true);
        await system.SignInAsync(phone, $"/field/#task={number}", "green.duty");
        await phone.WaitForSelectorAsync("#handover-form select");
        await phone.SelectOptionAsync("#handover-form select", "green.w5");
        await phone.ClickAsync("#handover-form button");
        await phone.WaitForSelectorAsync("#toast:text('已转交')");
        var incident = await system.IncidentAsync(number);
        Assert.Equal("green.w5", incident.GetProperty("assignments")[0].GetProperty("worker").GetString());
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wall_screen_with_a_kiosk_key_reads_the_overview_and_nothing_else()
    {
        var page = await system.PageAsync(1920, 1080);
        await page.GotoAsync($"/overview/#kiosk={RunningSystem.KioskKey}");
        await page.WaitForSelectorAsync("#kpis .kpi[data-kpi=open] .value");
        Assert.DoesNotContain("kiosk", page.Url);
        Assert.True(await page.IsHiddenAsync("#signin"));
        Assert.True(await page.Locator("#streets tr").CountAsync() > 5, "the streets are listed");

        using var list = new HttpRequestMessage(HttpMethod.Post, "/api/v1/incidents:list")
        {
            Headers = { { "authorization", $"Kiosk {RunningSystem.KioskKey}" } },
            Content = System.Net.Http.Json.JsonContent.Create(new { }),
        };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await system.Http.SendAsync(list)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/overview")
        {
            Headers = { { "authorization", "Kiosk guessed" } },
        };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await system.Http.SendAsync(wrong)).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_map_configuration_and_the_heat_of_all_open_incidents_come_from_the_server()
    {
        var config = await system.Http.GetFromJsonAsync<JsonElement>("/api/v1/map-config");
        Assert.Equal(RunningSystem.MapAttribution, config.GetProperty("attribution").GetString());
        await ReportAsync("SHOP_BIN_ON_STREET");
        var heat = await system.ApiAsync(
            HttpMethod.Post,
            "/api/v1/map/heat",
            "dispatcher",
            new { scenario = "shop", period = "open" }
        );
        var counted = heat.GetProperty("cells").EnumerateArray().Sum(c => c.GetProperty("count").GetInt32());
        Assert.Equal(heat.GetProperty("total").GetInt32(), counted);
        Assert.True(counted >= 1);
    }

    /// <summary>Reports a hotline case at the test place; answers its number.</summary>
    private Task<string> ReportAsync(string type) => system.ReportAsync(type, "测试：门前问题", Lat, Lon);

    /// <summary>
    /// Puts these workers of GREEN on shift round the clock (the unit's duty officer changes the roster), so that their
    /// status is theirs to set whatever the hour the test runs at.
    /// </summary>
    private async Task OnShiftAllDayAsync(params string[] users)
    {
        var roster = await system.ApiAsync(HttpMethod.Get, "/api/v1/roster/GREEN", "dispatcher");
        var days = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };
        var staff = roster
            .GetProperty("staff")
            .EnumerateArray()
            .Select(p => new
            {
                userId = p.GetProperty("userId").GetString(),
                name = p.GetProperty("name").GetString(),
                role = p.GetProperty("role").GetString(),
                shifts = users.Contains(p.GetProperty("userId").GetString())
                    ?
                    [
                        new
                        {
                            days,
                            start = "00:00",
                            end = "00:00",
                        },
                    ]
                : p.TryGetProperty("shifts", out var shifts)
                    ? shifts
                        .EnumerateArray()
                        .Select(x => new
                        {
                            days = x.GetProperty("days").EnumerateArray().Select(d => d.GetString()!).ToArray(),
                            start = x.GetProperty("start").GetString()!,
                            end = x.GetProperty("end").GetString()!,
                        })
                        .ToArray()
                : [],
            })
            .ToArray();
        await system.ApiAsync(
            HttpMethod.Put,
            "/api/v1/roster/GREEN",
            "green.duty",
            new
            {
                unit = "GREEN",
                dutyOfficer = roster.GetProperty("dutyOfficer").GetString(),
                head = roster.TryGetProperty("head", out var head) ? head.GetString() : "",
                staff,
            }
        );
    }

    /// <summary>A person as the map's workers layer sees them, once the condition holds.</summary>
    private async Task<JsonElement> WaitForPersonAsync(string userId, Func<JsonElement, bool> condition)
    {
        for (var i = 0; i < 120; i++)
        {
            var people = await system.ApiAsync(HttpMethod.Get, "/api/v1/people", "dispatcher");
            var person = people
                .GetProperty("people")
                .EnumerateArray()
                .FirstOrDefault(p => p.GetProperty("userId").GetString() == userId);
            if (person.ValueKind == JsonValueKind.Object && condition(person))
                return person;
            await Task.Delay(500);
        }
        throw new TimeoutException($"{userId} never met the condition on the workers' layer");
    }
}
