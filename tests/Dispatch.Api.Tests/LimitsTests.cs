using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Google.Rpc;
using Grpc.Core;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>Limits at the API's edge: sign-in lockouts, rates per caller, sizes and characters.</summary>
[Collection(RedisFixture.Collection)]
public class LimitsTests(RedisFixture redis)
{
    /// <summary>An API of its own on the shared cluster, with these settings.</summary>
    private async Task<ApiServer> ApiAsync(params (string Key, string Value)[] settings) =>
        await ApiServer.StartAsync(
            await redis.SharedCluster(),
            redis.ConnectionString,
            settings.ToDictionary(s => s.Key, s => (string?)s.Value)
        );

    private static HttpRequestMessage SignIn(string user, string password) =>
        new(HttpMethod.Post, "/api/v1/sign-in") { Content = JsonContent.Create(new { userId = user, password }) };

    private static async Task<(string? Reason, string? RetryAfter, string? Field)> ErrorOf(HttpResponseMessage answer)
    {
        using var error = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        var details = error.RootElement.GetProperty("details").EnumerateArray().ToList();
        var info = details.Single(d => d.GetProperty("@type").GetString()!.EndsWith("google.rpc.ErrorInfo"));
        var metadata = info.TryGetProperty("metadata", out var m) ? m : JsonDocument.Parse("{}").RootElement;
        string? Meta(string key) => metadata.TryGetProperty(key, out var v) ? v.GetString() : null;
        return (info.GetProperty("reason").GetString(), Meta("retry_after_seconds"), Meta("field"));
    }

    /// <summary>Seconds to wait, from a refusal's Retry-After.</summary>
    private static TimeSpan RetryAfter(HttpResponseMessage answer) =>
        answer.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("no Retry-After");

    [Fact]
    public async Task A_user_who_keeps_failing_to_sign_in_is_locked_out_longer_each_time_even_with_the_right_password()
    {
        await using var api = await ApiAsync(
            ("Limits:SignIn:FailuresPerUser", "3"),
            ("Limits:SignIn:Lockout", "00:00:05"),
            ("Limits:SignIn:FailuresPerAddress", "1000"),
            ("Limits:SignIn:AttemptBurst", "1000")
        );

        // Wrong passwords until the user is locked out: the third failure locks (a running lockout is waited out).
        async Task<HttpResponseMessage> FailUntilLockedAsync()
        {
            for (var failed = 0; ;)
            {
                var answer = await api.Http.SendAsync(SignIn("reviewer", "wrong"));
                if (answer.StatusCode == HttpStatusCode.TooManyRequests && failed == 3)
                    return answer;
                if (answer.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Assert.Equal(0, failed);
                    await Task.Delay(RetryAfter(answer));
                    continue;
                }
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
                Assert.True(++failed <= 3, "three wrong passwords did not lock the user out");
            }
        }

        var first = await FailUntilLockedAsync();
        var right = await api.Http.SendAsync(SignIn("reviewer", ApiServer.Password));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.InRange(RetryAfter(right), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal(("RATE_LIMITED", $"{RetryAfter(right).TotalSeconds}", "user_id"), await ErrorOf(right));
        var rightOverGrpc = new SignInRequest { UserId = "reviewer", Password = ApiServer.Password };
        var grpc = await FailsAsync(() => api.Identity.SignInAsync(rightOverGrpc).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        var info = grpc.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal("RATE_LIMITED", info.Reason);
        Assert.InRange(int.Parse(info.Metadata["retry_after_seconds"]), 1, 5);
        // Others still sign in.
        var other = await api.Http.SendAsync(SignIn("dispatcher", ApiServer.Password));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // Once it is over, three more failures lock the user out again, for twice as long.
        await Task.Delay(RetryAfter(first));
        var second = await FailUntilLockedAsync();
        Assert.InRange(RetryAfter(second), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(10));

        // A made-up user is locked out alike: a lockout tells nothing about which users exist.
        for (var i = 0; i < 3; i++)
            await api.Http.SendAsync(SignIn("nobody-at-all", "wrong"));
        var madeUp = await api.Http.SendAsync(SignIn("nobody-at-all", "wrong"));
        Assert.Equal(HttpStatusCode.TooManyRequests, madeUp.StatusCode);
        Assert.Equal("user_id", (await ErrorOf(madeUp)).Field);

        // After that, the right password works again.
        HttpResponseMessage signedIn;
        do
        {
            await Task.Delay(RetryAfter(second));
            signedIn = await api.Http.SendAsync(SignIn("reviewer", ApiServer.Password));
        } while (signedIn.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task An_address_that_keeps_failing_to_sign_in_is_locked_out_whichever_users_it_tries()
    {
        await using var api = await ApiAsync(
            ("Limits:SignIn:FailuresPerAddress", "6"),
            ("Limits:SignIn:Lockout", "00:01:00")
        );

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
            answers.Add((await api.Http.SendAsync(SignIn($"guess-{i}", "wrong"))).StatusCode);
        var locked = await api.Http.SendAsync(SignIn("dispatcher", ApiServer.Password));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), RetryAfter(locked));
        Assert.Equal(("RATE_LIMITED", "60", null), await ErrorOf(locked));
    }

    [Fact]
    public async Task A_sign_in_body_of_megabytes_is_refused_before_it_is_read()
    {
        var api = await SharedApi.StartAsync(redis);
        var huge = new string('x', 2 * 1024 * 1024);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sign-in")
        {
            Content = new StringContent(
                $$"""{"userId":"dispatcher","password":"{{huge}}"}""",
                Encoding.UTF8,
                "application/json"
            ),
        };
        var json = await api.Http.SendAsync(request);
        var grpc = await FailsAsync(() =>
            api.Identity.SignInAsync(new SignInRequest { UserId = "dispatcher", Password = huge }).ResponseAsync
        );

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, json.StatusCode);
        Assert.Equal(("REQUEST_TOO_LARGE", null, "body"), await ErrorOf(json));
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
    }

    [Fact]
    public async Task Over_long_and_control_character_input_is_refused_by_name_and_changes_nothing()
    {
        var api = await SharedApi.StartAsync(redis);
        var dispatcher = await api.UserAsync("dispatcher");
        var number = await new Office(api).ReportAsync();
        async Task<int> EventsAsync() =>
            (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Timeline.Count;
        var before = await EventsAsync();

        ReportIncidentRequest Report(string commandId, string reporter = "王小明") =>
            new()
            {
                CommandId = commandId,
                Type = "SHOP_BIN_OVERFLOW",
                Channel = "Hotline",
                Street = "CSL",
                Description = "垃圾桶满溢",
                Location = new GeoPoint { Lat = 31.2412, Lon = 121.4412 },
                ReporterName = reporter,
            };
        Task<CommandReply> Note(string text, string? commandId = null) =>
            dispatcher
                .Cases.AddNoteAsync(
                    new AddNoteRequest
                    {
                        Number = number,
                        CommandId = commandId ?? Id(),
                        Text = text,
                    }
                )
                .ResponseAsync;
        Task<CommandReply> ReportAsync(ReportIncidentRequest report) =>
            dispatcher.Cases.ReportIncidentAsync(report).ResponseAsync;

        var refusals = new List<(RpcException Refusal, string Field)>
        {
            (await FailsAsync(() => ReportAsync(Report(new string('c', 10_000)))), "command_id"),
            (await FailsAsync(() => ReportAsync(Report(Id(), new string('王', 10_000)))), "reporter_name"),
            (await FailsAsync(() => ReportAsync(Report(Id(), "王\u202E明"))), "reporter_name"),
            (await FailsAsync(() => Note("checked", "id\u0007bell")), "command_id"),
            (await FailsAsync(() => Note("checked\0")), "text"),
            (await FailsAsync(() => Note("\u001b[31mred\u001b[0m")), "text"),
            (await FailsAsync(() => Note("ding\u0007")), "text"),
            (await FailsAsync(() => Note("reads \u202Ereversed\u202C")), "text"),
            (await FailsAsync(() => Note(new string('n', 4001))), "text"),
        };
        var queued = new ReplayRequest
        {
            Commands =
            {
                new QueuedCommand
                {
                    Submit = new SubmitResultRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Note = "done\0",
                    },
                },
            },
        };
        var worker = await api.UserAsync(Worker);
        var replay = await FailsAsync(() => worker.Field.ReplayQueuedAsync(queued).ResponseAsync);
        refusals.Add((replay, "commands[0].submit.note"));
        // A message larger than any call takes is refused before it is read at all.
        var huge = await FailsAsync(() => ReportAsync(Report(new string('c', 100_000))));
        Assert.Equal(StatusCode.ResourceExhausted, huge.StatusCode);

        Assert.All(
            refusals,
            r =>
            {
                Assert.Equal(StatusCode.InvalidArgument, r.Refusal.StatusCode);
                Assert.Equal(r.Field, Problems.FieldOf(r.Refusal));
                Assert.StartsWith($"{r.Field}: ", r.Refusal.Status.Detail);
            }
        );

        using var json = api.Request(HttpMethod.Post, $"/api/v1/incidents/{number}:note", dispatcher.Token);
        json.Content = JsonContent.Create(new { commandId = Id(), text = "beep\u0007" });
        var answer = await api.Http.SendAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal(("INVALID_ARGUMENT", null, "text"), await ErrorOf(answer));

        // Nothing of it was kept; line breaks and tabs are free text's own.
        Assert.Equal(before, await EventsAsync());
        await Note("第一行\n\t第二行");
        Assert.Equal(before + 1, await EventsAsync());
    }

    [Fact]
    public async Task Open311_reports_and_commands_are_limited_per_key_and_per_user()
    {
        await using var api = await ApiAsync(
            ("Limits:Open311Burst", "3"),
            ("Limits:Open311PerMinute", "1"),
            ("Limits:CommandBurst", "5"),
            ("Limits:CommandsPerSecond", "1"),
            ("Api:Open311Keys:other-key", "other-client")
        );

        FormUrlEncodedContent Report(string key) =>
            new(
                new Dictionary<string, string>
                {
                    ["api_key"] = key,
                    ["service_code"] = "SHOP_BIN_OVERFLOW",
                    ["lat"] = "31.2412",
                    ["long"] = "121.4411",
                }
            );
        var posted = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            var format = i % 2 == 0 ? "json" : "xml";
            posted.Add(await api.Http.PostAsync($"/open311/v2/requests.{format}", Report("test-key")));
        }
        var other = await api.Http.PostAsync("/open311/v2/requests.json", Report("other-key"));

        Assert.Equal(HttpStatusCode.OK, posted[0].StatusCode);
        var held = posted.Where(p => p.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(held);
        Assert.All(held, p => Assert.True(RetryAfter(p) > TimeSpan.Zero));
        var heldJson = held.First(p => p.RequestMessage!.RequestUri!.AbsolutePath.EndsWith(".json"));
        var error = JsonDocument.Parse(await heldJson.Content.ReadAsStringAsync()).RootElement[0];
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.StartsWith("api_key:", error.GetProperty("description").GetString());
        var heldXml = held.First(p => p.RequestMessage!.RequestUri!.AbsolutePath.EndsWith(".xml"));
        Assert.Contains("<code>429</code>", await heldXml.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        var dispatcher = await api.UserAsync("dispatcher");
        var number = await new Office(api).ReportAsync();
        RpcException? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            try
            {
                var note = new AddNoteRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Text = "seen",
                };
                await dispatcher.Cases.AddNoteAsync(note);
            }
            catch (RpcException e)
            {
                limited = e;
            }
        }
        Assert.NotNull(limited);
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        var info = limited.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal("RATE_LIMITED", info.Reason);
        Assert.True(int.Parse(info.Metadata["retry_after_seconds"]) >= 1);
        using var json = api.Request(HttpMethod.Post, $"/api/v1/incidents/{number}:note", dispatcher.Token);
        json.Content = JsonContent.Create(new { commandId = Id(), text = "checked" });
        var viaJson = await api.Http.SendAsync(json);
        Assert.Equal(HttpStatusCode.TooManyRequests, viaJson.StatusCode);
        Assert.True(RetryAfter(viaJson) > TimeSpan.Zero);
        // Reads are not commands, and another user has a budget of their own.
        var read = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal(number, read.Summary.Number);
        var reviewer = await api.UserAsync("reviewer");
        await reviewer.Cases.AddNoteAsync(
            new AddNoteRequest
            {
                Number = number,
                CommandId = Id(),
                Text = "seen",
            }
        );
    }
}
