using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Infrastructure;
using Dispatch.Tests;
using Microsoft.Playwright;

// The console in a browser under a storm of new incidents, against the same console idle. Starts the whole system
// (as ./run.sh does, on free ports and a data folder of its own), signs a dispatcher in in headless Chromium, and for
// each phase prints the longest main-thread task, the main thread's blocked time per minute (the part of each long
// task beyond 50 ms, as Total Blocking Time counts it), the page's JS heap and the renderer's resident memory at the
// end, the time from pressing "sign in" to the first actionable row, and the longest task while the map was built
// (once, after the first rows; the phase measures the steady state from the map drawn on).
//
//   dotnet run --project tests/Dispatch.Web.Bench -c Release -- [--minutes 1] [--rate 40]
//
// --minutes is the length of each phase (idle, then storm; ten minutes for the aims), --rate the new incidents per
// second of the storm (each a hotline report through the API, so every one reaches the queue's live stream).

var minutes = Option("--minutes", 1.0);
var rate = Option("--rate", 40.0);
var phase = TimeSpan.FromMinutes(minutes);

var data = Directory.CreateTempSubdirectory("dispatch-bench-").FullName;
var (http, ingest) = (RedisServer.FreePort(), RedisServer.FreePort());
await using var system = ServiceProcess.Start(
    "Dispatch.Local",
    data,
    $"--Redis:EmbeddedPort={RedisServer.FreePort()}",
    $"--Redis:DataDirectory={Path.Combine(data, "redis")}",
    $"--Orleans:SiloPort={RedisServer.FreePort()}",
    $"--Orleans:GatewayPort={RedisServer.FreePort()}",
    $"--Ingest:Port={ingest}",
    $"--Simulator:Target=http://127.0.0.1:{ingest}",
    "--Simulator:Rate=2",
    $"--Api:GrpcPort={RedisServer.FreePort()}",
    $"--Api:HttpPort={http}",
    $"--Management:Port={RedisServer.FreePort()}",
    // The storm's reports all come from one dispatcher: more than one person's command limit allows.
    "--Limits:CommandsPerSecond=100000",
    "--Limits:CommandBurst=100000"
);
await system.WaitForLineAsync("API: gRPC (HTTP/2)", TimeSpan.FromSeconds(180));
var baseUrl = $"http://127.0.0.1:{http}";
using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
var token = (
    await (
        await client.PostAsJsonAsync("/api/v1/sign-in", new { userId = "dispatcher", password = "dispatch" })
    ).Content.ReadFromJsonAsync<JsonElement>()
)
    .GetProperty("token")
    .GetString()!;

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(
    new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--enable-precise-memory-info"],
    }
);

Console.WriteLine(
    $"Dispatch console benchmark: {minutes:0.##} min per phase, storm of {rate:0} new incidents/s, "
        + "Chromium headless, 1440×900"
);
Console.WriteLine(
    $"{"phase",-6} {"longest task",13} {"blocked/min",12} {"tasks>50ms",11} {"JS heap",9} "
        + $"{"renderer RSS",13} {"first row",10} {"map build",10} {"incidents",10}"
);
foreach (var storm in new[] { false, true })
{
    var context = await browser.NewContextAsync(
        new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        }
    );
    // Every long task of the main thread, from the start of the page.
    await context.AddInitScriptAsync(
        """
        window.__long = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
          .observe({ type: 'longtask', buffered: true });
        """
    );
    var page = await context.NewPageAsync();
    await page.GotoAsync("/console/");
    await page.FillAsync("#signin [name=user]", "dispatcher");
    await page.FillAsync("#signin [name=password]", "dispatch");
    var clock = Stopwatch.StartNew();
    await page.ClickAsync("#signin button");
    await page.WaitForSelectorAsync("#queue .row", new PageWaitForSelectorOptions { Timeout = 120_000 });
    var firstRow = clock.Elapsed;
    // Building the map (WebGL, in software here) is one long piece of work at the start: measured on its own, and the
    // phase measures the steady state after it.
    await page.WaitForSelectorAsync("#map[data-ready=true]", new PageWaitForSelectorOptions { Timeout = 120_000 });
    var mapBuild = await page.EvaluateAsync<double[]>("window.__long");
    await page.EvaluateAsync("window.__long = []");

    var sent = 0;
    using var stop = new CancellationTokenSource(phase);
    var producer = storm
        ? Task.Run(async () =>
        {
            var gap = TimeSpan.FromSeconds(1 / rate);
            var next = Stopwatch.StartNew();
            var inFlight = new List<Task>();
            while (!stop.IsCancellationRequested)
            {
                inFlight.Add(ReportAsync(client, token));
                sent++;
                inFlight.RemoveAll(t => t.IsCompleted);
                var due = gap * sent - next.Elapsed;
                if (due > TimeSpan.Zero)
                    await Task.Delay(due).ContinueWith(_ => { });
            }
            await Task.WhenAll(inFlight).ContinueWith(_ => { });
        })
        : Task.Delay(phase);
    // Hover over the list now and then, as a dispatcher would, so that arrivals are held and then let in.
    var hovering = Task.Run(async () =>
    {
        var k = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (k++ % 2 == 0)
                    await page.HoverAsync("#queue .row >> nth=2", new PageHoverOptions { Timeout = 2000 });
                else
                    await page.Mouse.MoveAsync(1400, 20);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                // Fewer rows than that for a moment: the next round tries again.
            }
            await Task.Delay(3000).ContinueWith(_ => { });
        }
    });
    await producer;
    await hovering;
    var longTasks = await page.EvaluateAsync<double[]>("window.__long");
    var heap = await page.EvaluateAsync<double>("performance.memory ? performance.memory.usedJSHeapSize : 0");
    var blocked = longTasks.Sum(d => Math.Max(0, d - 50)) / phase.TotalMinutes;
    Console.WriteLine(
        string.Create(
            CultureInfo.InvariantCulture,
            $"{(storm ? "storm" : "idle"),-6} {Ms(longTasks.DefaultIfEmpty(0).Max()),13} {Ms(blocked),12} "
                + $"{longTasks.Length,11} {Mb(heap),9} {Mb(RendererBytes()),13} "
                + $"{Ms(firstRow.TotalMilliseconds),10} {Ms(mapBuild.DefaultIfEmpty(0).Max()),10} {sent,10}"
        )
    );
    await context.CloseAsync();
}
await system.TerminateAsync(TimeSpan.FromSeconds(30));
Directory.Delete(data, recursive: true);
return;

static string Ms(double ms) => $"{ms:0} ms";
static string Mb(double bytes) => $"{bytes / 1048576:0} MB";

double Option(string name, double fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && double.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value)
        ? value
        : fallback;
}

static async Task ReportAsync(HttpClient client, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/incidents")
    {
        Headers = { { "authorization", $"Bearer {token}" } },
        Content = JsonContent.Create(
            new
            {
                commandId = Guid.NewGuid().ToString(),
                type = "SHOP_SMALL_BAG",
                channel = "Hotline",
                street = "CSL",
                description = "压测：门前垃圾",
                location = new
                {
                    lat = 31.2412 + Random.Shared.NextDouble() / 100,
                    lon = 121.4433 + Random.Shared.NextDouble() / 100,
                },
            }
        ),
    };
    try
    {
        using var response = await client.SendAsync(request);
    }
    catch (HttpRequestException)
    {
        // A refused report under load is counted as sent; the console sees only those that were taken.
    }
}

/// <summary>The resident memory of the largest Chromium renderer process (the console's tab).</summary>
static double RendererBytes()
{
    double largest = 0;
    foreach (var process in Process.GetProcessesByName("chromium"))
    {
        try
        {
            var command = File.ReadAllText($"/proc/{process.Id}/cmdline");
            if (command.Contains("--type=renderer", StringComparison.Ordinal))
                largest = Math.Max(largest, process.WorkingSet64);
        }
        catch (IOException)
        {
            // The process ended meanwhile.
        }
    }
    return largest;
}
