using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Dispatch.Infrastructure;
using Dispatch.ServiceDefaults;
using Microsoft.Playwright;

namespace Dispatch.Web.Tests;

/// <summary>The browser test classes share one running system (starting it takes a while).</summary>
[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<RunningSystem>
{
    public const string Name = "running system";
}

/// <summary>
/// The system as ./run.sh starts it (the embedded default: its own redis-server, silo, ingest, API and the
/// simulated city), on free ports and a data folder of its own, and a headless Chromium to look at it.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public const string Password = "dispatch";

    /// <summary>The wall screens' kiosk key this system knows (configured as its SHA-256).</summary>
    public const string KioskKey = "wall-screen-key-for-tests";

    /// <summary>The base map's attribution configured for this system.</summary>
    public const string MapAttribution = "测试底图";
    private ServiceProcess? _system;
    private IPlaywright? _playwright;
    private readonly string _data = Directory.CreateTempSubdirectory("dispatch-web-").FullName;

    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Screenshots land here: <c>.artifacts/screenshots</c> at the root of the repository.</summary>
    public string Screenshots { get; } =
        Path.Combine(DispatchStore.RepositoryRoot(AppContext.BaseDirectory), ".artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        var (http, ingest) = (RedisServer.FreePort(), RedisServer.FreePort());
        _system = ServiceProcess.Start(
            "Dispatch.Local",
            _data,
            $"--Redis:EmbeddedPort={RedisServer.FreePort()}",
            $"--Redis:DataDirectory={Path.Combine(_data, "redis")}",
            $"--Orleans:SiloPort={RedisServer.FreePort()}",
            $"--Orleans:GatewayPort={RedisServer.FreePort()}",
            $"--Ingest:Port={ingest}",
            $"--Simulator:Target=http://127.0.0.1:{ingest}",
            "--Simulator:Rate=6",
            $"--Api:GrpcPort={RedisServer.FreePort()}",
            $"--Api:HttpPort={http}",
            $"--Management:Port={RedisServer.FreePort()}",
            "--Overview:KioskKeys:0="
                + Convert.ToHexString(
                    System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(KioskKey))
                ),
            "--Audit:Targets:onTimeHandlingRate=0.9",
            "--Audit:MinimumSample=3",
            // One dispatcher reports every incident of the suite, storms included: the limit per user is the API
            // tests' to check, not this suite's to meet.
            "--Limits:CommandBurst=100000",
            $"--Map:Attribution={MapAttribution}"
        );
        await _system.WaitForLineAsync("API: gRPC (HTTP/2)", TimeSpan.FromSeconds(120));
        BaseUrl = $"http://127.0.0.1:{http}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            }
        );
    }

    /// <summary>A browser window of its own: a desktop console, or a phone.</summary>
    public Task<IPage> PageAsync(bool phone = false) =>
        phone ? PageAsync(390, 844, touch: true) : PageAsync(1600, 1000);

    /// <summary>A browser window of this size; a touch screen is a phone.</summary>
    public async Task<IPage> PageAsync(int width, int height, bool touch = false)
    {
        var context = await Browser.NewContextAsync(
            new BrowserNewContextOptions
            {
                BaseURL = BaseUrl,
                Locale = "zh-CN",
                TimezoneId = "Asia/Shanghai",
                ViewportSize = new ViewportSize { Width = width, Height = height },
                IsMobile = touch,
                HasTouch = touch,
                AcceptDownloads = true,
            }
        );
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task SignInAsync(IPage page, string path, string user)
    {
        await page.GotoAsync(path);
        await page.FillAsync("#signin [name=user]", user);
        await page.FillAsync("#signin [name=password]", Password);
        await page.ClickAsync("#signin button");
        await page.WaitForSelectorAsync("#app:not([hidden])");
    }

    public async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(
            new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true }
        );

    /// <summary>An incident as the API shows it to a dispatcher (to check what the pages did).</summary>
    public Task<JsonElement> IncidentAsync(string number) =>
        ApiAsync(HttpMethod.Get, $"/api/v1/incidents/{number}", "dispatcher");

    /// <summary>Reports a hotline case in CSL at a place, as the dispatcher; answers its number.</summary>
    public async Task<string> ReportAsync(string type, string description, double lat, double lon)
    {
        var reply = await ApiAsync(
            HttpMethod.Post,
            "/api/v1/incidents",
            "dispatcher",
            new
            {
                commandId = Guid.NewGuid().ToString(),
                type,
                channel = "Hotline",
                street = "CSL",
                description,
                location = new { lat, lon },
            }
        );
        return reply.GetProperty("number").GetString()!;
    }

    /// <summary>Files the incident when it waits to be filed (types that file themselves are past it).</summary>
    public async Task FileAsync(string number)
    {
        var incident = await IncidentAsync(number);
        if (incident.GetProperty("summary").GetProperty("state").GetString() == "Reported")
            await ApiAsync(
                HttpMethod.Post,
                $"/api/v1/incidents/{number}:file",
                "dispatcher",
                new { commandId = Guid.NewGuid().ToString() }
            );
    }

    /// <summary>Dispatches as the dispatcher: the lead unit, the co-units, and a person for each unit named.</summary>
    public Task DispatchAsync(
        string number,
        string leadUnit,
        Dictionary<string, string> workers,
        params string[] coUnits
    ) =>
        ApiAsync(
            HttpMethod.Post,
            $"/api/v1/incidents/{number}:dispatch",
            "dispatcher",
            new
            {
                commandId = Guid.NewGuid().ToString(),
                leadUnit,
                coUnits,
                workers,
            }
        );

    /// <summary>Axe finds nothing critical or serious on the page; a failure names each violation and where.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string what = "")
    {
        var result = await page.RunAxe();
        var serious = result
            .Violations.Where(v => v.Impact is "critical" or "serious")
            .Select(v =>
                $"{v.Id} ({v.Impact}) {v.Help}: "
                + $"{string.Join(" | ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}"
            )
            .ToList();
        Assert.True(serious.Count == 0, $"{what}\n{string.Join('\n', serious)}");
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<string>> _tokens = new();

    /// <summary>A bearer token of a demo user (signed in once per run).</summary>
    public Task<string> TokenAsync(string user) =>
        _tokens.GetOrAdd(
            user,
            async name =>
            {
                var signIn = await Http.PostAsJsonAsync("/api/v1/sign-in", new { userId = name, password = Password });
                return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            }
        );

    /// <summary>
    /// Sends JSON to the API as a user and answers with the reply's JSON (failing on an error status).
    /// </summary>
    public async Task<JsonElement> ApiAsync(HttpMethod method, string path, string user, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Headers = { { "authorization", $"Bearer {await TokenAsync(user)}" } },
        };
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        if (_system is not null)
        {
            await _system.TerminateAsync(TimeSpan.FromSeconds(30));
            await _system.DisposeAsync();
        }
        Directory.Delete(_data, recursive: true);
    }
}
