using System.Security.Cryptography;
using System.Text;
using Dispatch.Api.Auth;
using Dispatch.Domain;
using Dispatch.Infrastructure.ReadModel;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// The wall screen's aggregate, <c>GET /api/v1/overview</c> (the JSON of <c>dispatch.v1.Overview</c>): open, overdue
/// and P1 counts for the district, by street and by scenario, device health, today against yesterday, the newest
/// urgent cases and the open incidents for the map, each a count of the read model's indexes (never a list loaded
/// and counted here).
/// </summary>
/// <remarks>
/// <para>Who may read it: a signed-in person who may read incidents (bearer token), or a wall screen with a kiosk
/// key (<c>authorization: Kiosk &lt;key&gt;</c>). A kiosk key opens this route and no other: it is no token of the
/// identity provider, so every other route refuses it as it refuses no credential. Kiosk keys are configured as
/// the SHA-256 of the key in hex (<c>Overview:KioskKeys:0</c>, <c>:1</c> …), so the configuration holds no secret;
/// a key is retired by removing its hash. The screen is opened once as <c>/overview/#kiosk=&lt;key&gt;</c>: the
/// page keeps the key in the browser's storage and removes it from the address, and then needs no sign-in, for
/// months. Its counts are district-wide and carry no personal data; the urgent cases come masked as for the least
/// privileged district role.</para>
/// </remarks>
public static class OverviewService
{
    /// <summary>Urgent cases shown.</summary>
    public const int Urgent = 8;

    /// <summary>Open incidents placed on the map, the newest first.</summary>
    public const int Points = 1500;

    /// <summary>Devices listed as the noisiest.</summary>
    public const int Noisiest = 5;

    private const string KioskScheme = "Kiosk ";

    /// <summary>The principal a kiosk reads as: sees the district, masked like an auditor.</summary>
    private static readonly Principal Kiosk = new("kiosk", Role.Auditor, null, []);

    public static WebApplication MapOverview(this WebApplication app)
    {
        app.MapGet(
            "/api/v1/overview",
            async (
                HttpContext http,
                Incidents incidents,
                ReadModelStore store,
                IConfiguration configuration,
                TimeProvider time
            ) =>
            {
                var who = Reader(http, configuration);
                if (who is null)
                    return Results.Json(Refusal("sign in, or send a wall screen's kiosk key"), statusCode: 401);
                var overview = await BuildAsync(who, incidents, store, time.GetUtcNow());
                return Results.Text(JsonFormatter.Default.Format(overview), "application/json");
            }
        );
        return app;
    }

    /// <summary>The reader: a person who may read incidents, a known kiosk key, or nobody.</summary>
    private static Principal? Reader(HttpContext http, IConfiguration configuration)
    {
        if (DispatchClaims.Read(http.User) is { } person)
            return Access.May(person, Permission.ReadIncidents) ? person : null;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(KioskScheme, StringComparison.Ordinal))
            return null;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(header[KioskScheme.Length..].Trim()));
        var known = configuration.GetSection("Overview:KioskKeys").GetChildren().Select(c => c.Value).OfType<string>();
        return known.Any(k => Hex(k) is { } expected && CryptographicOperations.FixedTimeEquals(expected, hash))
            ? Kiosk
            : null;
    }

    private static byte[]? Hex(string text)
    {
        try
        {
            return Convert.FromHexString(text.Trim());
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static object Refusal(string message) =>
        new
        {
            code = 16,
            message,
            details = Array.Empty<object>(),
        };

    private static async Task<V1.Overview> BuildAsync(
        Principal who,
        Incidents incidents,
        ReadModelStore store,
        DateTimeOffset now
    )
    {
        var catalog = incidents.Catalog;
        var overview = new V1.Overview { At = Timestamp.FromDateTimeOffset(now) };
        async Task<V1.OverviewCounts> CountsAsync(string? index) =>
            new()
            {
                Open = (int)await store.CountAsync([Indexes.Open, .. Narrow(index)]),
                Overdue = (int)await store.CountAsync([Indexes.Overdue, .. Narrow(index)]),
                P1 = (int)
                    await store.CountAsync([Indexes.Open, Indexes.Priority(nameof(Priority.P1)), .. Narrow(index)]),
            };
        overview.Totals = await CountsAsync(null);
        foreach (var street in catalog.Streets.OrderBy(s => s.Code))
            overview.Streets.Add(
                Group(street.Code, street.Zh, street.En, await CountsAsync(Indexes.Street(street.Code)))
            );
        foreach (var scenario in catalog.Scenarios)
            overview.Scenarios.Add(
                Group(scenario.Id, scenario.Zh, scenario.En, await CountsAsync(Indexes.Scenario(scenario.Id)))
            );

        var zone = catalog.Calendar.TimeZone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var yesterday = today.AddDays(-1);
        var daily = await store.DailyAsync([today, yesterday]);
        overview.Today = Day(today, daily[0]);
        overview.Yesterday = Day(yesterday, daily[1]);

        var (noisy, reporting) = await store.DeviceAlertsAsync(today, Noisiest);
        var (before, _) = await store.DeviceAlertsAsync(yesterday, 1000);
        var earlier = before.ToDictionary(d => d.Device, d => d.Alerts);
        overview.Devices = new V1.DeviceHealth
        {
            Offline = (int)await store.CountAsync(Indexes.Open, Indexes.Type(catalog.Devices.OfflineType.Code)),
            Reporting = (int)reporting,
        };
        overview.Devices.Noisiest.AddRange(
            noisy.Select(d => new V1.NoisyDevice
            {
                DeviceId = d.Device,
                AlertsToday = (int)d.Alerts,
                AlertsYesterday = (int)earlier.GetValueOrDefault(d.Device),
            })
        );

        var urgent = (await store.NewestAsync(Urgent, Indexes.Open, Indexes.Priority(nameof(Priority.P1))))
            .Concat(await store.NewestAsync(Urgent, Indexes.Open, Indexes.Priority(nameof(Priority.P2))))
            .OrderByDescending(i => i.ReportedAt)
            .Take(Urgent);
        overview.Urgent.AddRange(urgent.Select(i => incidents.Summary(who, i)));
        foreach (var i in await store.NewestAsync(Points, Indexes.Open))
        {
            if (i.Location is not { } at)
                continue;
            var shown = Masking.Applies(who, i, catalog) ? Masking.Coarse(at) ?? at : at;
            overview.Points.Add(
                new V1.MapPoint
                {
                    Number = i.Number,
                    Priority = i.Priority.ToString(),
                    Location = shown.ToProto(),
                    Escalation = (int)i.Escalation,
                }
            );
        }
        foreach (var (name, words) in Labels.Vocabularies)
        {
            var vocabulary = new V1.Vocabulary();
            foreach (var (code, label) in words)
                vocabulary.Words[code] = new V1.LabelText { Zh = label.Zh, En = label.En };
            overview.Labels[name] = vocabulary;
        }
        return overview;
    }

    private static string[] Narrow(string? index) => index is null ? [] : [index];

    private static V1.OverviewGroup Group(string code, string zh, string en, V1.OverviewCounts counts) =>
        new()
        {
            Code = code,
            Zh = zh,
            En = en,
            Open = counts.Open,
            Overdue = counts.Overdue,
            P1 = counts.P1,
        };

    private static V1.DayCounts Day(DateOnly day, IReadOnlyDictionary<string, long> events) =>
        new()
        {
            Day = day.ToString("yyyy-MM-dd"),
            Reported = (int)events.GetValueOrDefault("reported"),
            Closed = (int)events.GetValueOrDefault("closed"),
        };
}
