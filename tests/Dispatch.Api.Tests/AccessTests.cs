using Dispatch.Protos.V1;
using Grpc.Core;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>
/// The role × action matrix over real HTTP/2, and the object-level rules: scope, sameness of "not yours" and "not
/// found", masking, the read log.
/// </summary>
[Collection(RedisFixture.Collection)]
public class AccessTests(RedisFixture redis)
{
    private Task<ApiServer> Api() => SharedApi.StartAsync(redis);

    private static readonly string[] Everyone = ["dispatcher", "reviewer", "green.staff", Worker, "auditor", "admin"];

    /// <summary>Each action, the state its incident must be in to succeed, and the users allowed to do it.</summary>
    private static readonly Dictionary<string, (string State, string[] Allowed)> Actions = new()
    {
        ["list"] = ("Dispatched", Everyone),
        ["get"] = ("Dispatched", Everyone),
        ["report"] = ("Reported", ["dispatcher"]),
        ["file"] = ("Reported", ["dispatcher"]),
        ["dismiss"] = ("Reported", ["dispatcher"]),
        ["merge"] = ("Reported", ["dispatcher"]),
        ["recommend"] = ("Filed", ["dispatcher"]),
        ["dispatch"] = ("Filed", ["dispatcher"]),
        ["extend"] = ("Dispatched", ["dispatcher"]),
        ["defer"] = ("Dispatched", ["dispatcher"]),
        ["review"] = ("UnderReview", ["reviewer"]),
        ["reopen"] = ("Closed", ["dispatcher"]),
        ["note"] = ("Dispatched", ["dispatcher", "reviewer", "green.staff", Worker]),
        ["tasks"] = ("Dispatched", ["green.staff", Worker]),
        ["accept"] = ("Dispatched", ["green.staff", Worker]),
        ["return"] = ("Dispatched", ["green.staff", Worker]),
        ["arrive"] = ("Accepted", ["green.staff", Worker]),
        ["upload"] = ("InProgress", ["green.staff", Worker]),
        ["submit"] = ("InProgress", ["green.staff", Worker]),
        ["figures"] = ("Reported", ["dispatcher", "reviewer", "auditor", "admin"]),
        ["ranking"] = ("Reported", ["dispatcher", "reviewer", "auditor", "admin"]),
        ["reads"] = ("Reported", ["auditor", "admin"]),
    };

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var action in Actions.Keys)
            foreach (var user in Everyone)
                data.Add(action, user);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_role_may_do_exactly_what_its_grants_allow(string action, string user)
    {
        var api = await Api();
        var office = new Office(api);
        var (state, allowed) = Actions[action];
        var number = await office.InStateAsync(state);
        var other = await office.ReportAsync();
        var dispatcher = await api.UserAsync("dispatcher");
        var before = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        var who = await api.UserAsync(user);

        Task call = action switch
        {
            "list" => who.Cases.ListIncidentsAsync(new ListIncidentsRequest()).ResponseAsync,
            "get" => who.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number }).ResponseAsync,
            "report" => who
                .Cases.ReportIncidentAsync(
                    new ReportIncidentRequest
                    {
                        CommandId = Id(),
                        Type = "SHOP_BIN_OVERFLOW",
                        Channel = "GridPatrol",
                        Street = "CSL",
                        Description = "bins",
                    }
                )
                .ResponseAsync,
            "file" => who
                .Cases.FileIncidentAsync(new IncidentCommandRequest { Number = number, CommandId = Id() })
                .ResponseAsync,
            "dismiss" => who
                .Cases.DismissIncidentAsync(
                    new DismissIncidentRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Ground = "Duplicate",
                        Reason = "seen",
                    }
                )
                .ResponseAsync,
            "merge" => who
                .Cases.MergeIncidentAsync(
                    new MergeIncidentRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Into = other,
                        Reason = "same bin",
                    }
                )
                .ResponseAsync,
            "recommend" => who.Cases.RecommendDispatchAsync(new GetIncidentRequest { Number = number }).ResponseAsync,
            "dispatch" => who
                .Cases.DispatchIncidentAsync(new DispatchIncidentRequest { Number = number, CommandId = Id() })
                .ResponseAsync,
            "extend" => who
                .Cases.ApproveExtensionAsync(
                    new ApproveExtensionRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Extra = "2wh",
                        Reason = "rain",
                    }
                )
                .ResponseAsync,
            "defer" => who
                .Cases.DeferAsync(
                    new DeferRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Reason = "needs a permit",
                    }
                )
                .ResponseAsync,
            "review" => who
                .Cases.ReviewAsync(
                    new ReviewRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Approve = true,
                        Rating = 4,
                    }
                )
                .ResponseAsync,
            "reopen" => who
                .Cases.ReopenIncidentAsync(
                    new ReasonedCommandRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Reason = "bins back",
                    }
                )
                .ResponseAsync,
            "note" => who
                .Cases.AddNoteAsync(
                    new AddNoteRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Text = "called the shop",
                    }
                )
                .ResponseAsync,
            "tasks" => who.Field.ListMyTasksAsync(new MyTasksRequest()).ResponseAsync,
            "accept" => who.Field.AcceptAsync(new AcceptRequest { Number = number, CommandId = Id() }).ResponseAsync,
            "return" => who
                .Field.ReturnAsync(
                    new ReturnRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Reason = "not ours",
                    }
                )
                .ResponseAsync,
            "arrive" => who.Field.ArriveAsync(new ArriveRequest { Number = number, CommandId = Id() }).ResponseAsync,
            "upload" => who
                .Field.UploadEvidenceAsync(
                    new UploadEvidenceRequest
                    {
                        Number = number,
                        ContentType = "image/jpeg",
                        Content = Photo(),
                    }
                )
                .ResponseAsync,
            "submit" => SubmitAsync(who, number),
            "figures" => who.Audit.GetFiguresAsync(new FiguresRequest { By = "Unit" }).ResponseAsync,
            "ranking" => who.Audit.GetRankingAsync(new PeriodRequest()).ResponseAsync,
            "reads" => who.Audit.ListReadsAsync(new ListReadsRequest()).ResponseAsync,
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        if (allowed.Contains(user))
        {
            await call;
            return;
        }
        var denied = await FailsAsync(() => call);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var after = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal(before.Summary.Version, after.Summary.Version);
    }

    [Fact]
    public async Task Not_yours_and_not_found_answer_alike()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("Dispatched", street: "GQL");
        var missing = "PT-20991231-999999";
        var otherWorker = await api.UserAsync("green.w2");

        var otherStaff = await api.UserAsync("csl.staff");
        foreach (
            var call in new Func<string, Task>[]
            {
                n => otherWorker.Field.GetTaskAsync(new GetIncidentRequest { Number = n }).ResponseAsync,
                n => otherWorker.Field.AcceptAsync(new AcceptRequest { Number = n, CommandId = Id() }).ResponseAsync,
                n =>
                    otherWorker
                        .Field.ReturnAsync(
                            new ReturnRequest
                            {
                                Number = n,
                                CommandId = Id(),
                                Reason = "no",
                            }
                        )
                        .ResponseAsync,
                n => otherWorker.Field.ArriveAsync(new ArriveRequest { Number = n, CommandId = Id() }).ResponseAsync,
                n =>
                    otherWorker
                        .Field.SubmitResultAsync(
                            new SubmitResultRequest
                            {
                                Number = n,
                                CommandId = Id(),
                                Note = "done",
                            }
                        )
                        .ResponseAsync,
                n =>
                    otherWorker
                        .Field.UploadEvidenceAsync(new UploadEvidenceRequest { Number = n, Content = Photo() })
                        .ResponseAsync,
                n =>
                    otherWorker
                        .Cases.AddNoteAsync(
                            new AddNoteRequest
                            {
                                Number = n,
                                CommandId = Id(),
                                Text = "hello",
                            }
                        )
                        .ResponseAsync,
                n => otherStaff.Field.AcceptAsync(new AcceptRequest { Number = n, CommandId = Id() }).ResponseAsync,
            }
        )
        {
            var notYours = await FailsAsync(() => call(number));
            var notFound = await FailsAsync(() => call(missing));
            Assert.Equal(StatusCode.NotFound, notYours.StatusCode);
            Assert.Equal(notFound.StatusCode, notYours.StatusCode);
            Assert.Equal(notFound.Status.Detail.Replace(missing, "#"), notYours.Status.Detail.Replace(number, "#"));
        }
        await api.CaughtUpAsync();
        var tasks = await otherWorker.Field.ListMyTasksAsync(new MyTasksRequest { PageSize = 200 });
        Assert.DoesNotContain(tasks.Items, i => i.Number == number);
    }

    [Fact]
    public async Task A_street_office_sees_its_own_area_and_a_unit_what_it_was_given()
    {
        var api = await Api();
        var office = new Office(api);
        var inCsl = await office.ReportAsync(street: "CSL");
        var inGql = await office.ReportAsync(street: "GQL");
        var dispatched = await office.InStateAsync("Dispatched", street: "GQL");
        var cslStaff = await api.UserAsync("csl.staff");
        var greenStaff = await api.UserAsync("green.staff");

        Assert.Equal(
            inCsl,
            (await cslStaff.Cases.GetIncidentAsync(new GetIncidentRequest { Number = inCsl })).Summary.Number
        );
        Assert.Equal(
            StatusCode.NotFound,
            (
                await FailsAsync(() =>
                    cslStaff.Cases.GetIncidentAsync(new GetIncidentRequest { Number = inGql }).ResponseAsync
                )
            ).StatusCode
        );
        Assert.Equal(
            StatusCode.NotFound,
            (
                await FailsAsync(() =>
                    greenStaff.Cases.GetIncidentAsync(new GetIncidentRequest { Number = inGql }).ResponseAsync
                )
            ).StatusCode
        );
        Assert.Equal(
            dispatched,
            (await greenStaff.Cases.GetIncidentAsync(new GetIncidentRequest { Number = dispatched })).Summary.Number
        );

        await api.CaughtUpAsync();
        var cslList = await cslStaff.Cases.ListIncidentsAsync(new ListIncidentsRequest { PageSize = 200 });
        Assert.Contains(cslList.Items, i => i.Number == inCsl);
        Assert.All(
            cslList.Items,
            i => Assert.True(i.Street == "CSL" || i.LeadUnit == "CSL" || i.CoUnits.Contains("CSL"))
        );
        var greenList = await greenStaff.Cases.ListIncidentsAsync(new ListIncidentsRequest { PageSize = 200 });
        Assert.Contains(greenList.Items, i => i.Number == dispatched);
        Assert.DoesNotContain(greenList.Items, i => i.Number == inGql || i.Number == inCsl);
    }

    [Fact]
    public async Task A_worker_who_returned_a_task_no_longer_sees_it_but_a_retry_gets_the_first_answer()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("Dispatched");
        var worker = await api.UserAsync(Worker);
        var command = new ReturnRequest
        {
            Number = number,
            CommandId = Id(),
            Reason = "not ours: private land",
        };

        var first = await worker.Field.ReturnAsync(command);
        var again = await worker.Field.ReturnAsync(command);

        Assert.Equal("Returned", first.State);
        Assert.Equal(first, again);
        Assert.Equal(
            StatusCode.NotFound,
            (
                await FailsAsync(() =>
                    worker.Field.GetTaskAsync(new GetIncidentRequest { Number = number }).ResponseAsync
                )
            ).StatusCode
        );
    }

    [Fact]
    public async Task Personal_data_of_relief_cases_is_masked_for_auditors_and_shown_to_handlers()
    {
        var api = await Api();
        var office = new Office(api);
        var relief = await office.ReportAsync(
            "RELIEF_URGENT",
            "CSL",
            "张三丰",
            "13812345678",
            "联系人身份证310101199001011234，住3号楼"
        );
        var shop = await office.ReportAsync(
            "SHOP_BIN_OVERFLOW",
            "CSL",
            "李四",
            "13900001111",
            "bins at 13900001111's door"
        );
        var auditor = await api.UserAsync("auditor");
        var dispatcher = await api.UserAsync("dispatcher");

        var masked = await auditor.Cases.GetIncidentAsync(new GetIncidentRequest { Number = relief });
        var shown = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = relief });

        Assert.True(masked.Summary.Masked);
        Assert.Equal("张**", masked.Reporter.Name);
        Assert.Equal("138******78", masked.Reporter.Phone);
        Assert.DoesNotContain("310101199001011234", masked.Description);
        Assert.DoesNotContain("13812345678", string.Concat(masked.Timeline.Select(t => t.DetailsJson)));
        Assert.DoesNotContain("张三丰", string.Concat(masked.Timeline.Select(t => t.DetailsJson)));
        Assert.Equal(31.241, masked.Summary.Location.Lat, 6);
        Assert.False(shown.Summary.Masked);
        Assert.Equal("张三丰", shown.Reporter.Name);
        Assert.Contains("310101199001011234", shown.Description);
        Assert.Equal(31.2412345, shown.Summary.Location.Lat, 6);
        Assert.False((await auditor.Cases.GetIncidentAsync(new GetIncidentRequest { Number = shop })).Summary.Masked);

        await api.CaughtUpAsync();
        var listed = await auditor.Cases.ListIncidentsAsync(
            new ListIncidentsRequest
            {
                Filter = new IncidentFilter { Scenarios = { "relief" }, Query = "13812345678" },
            }
        );
        Assert.DoesNotContain(listed.Items, i => i.Number == relief);
        var searched = await dispatcher.Cases.ListIncidentsAsync(
            new ListIncidentsRequest
            {
                Filter = new IncidentFilter { Scenarios = { "relief" }, Query = "3101011990" },
            }
        );
        Assert.Contains(searched.Items, i => i.Number == relief);
    }

    [Fact]
    public async Task Every_read_of_an_incident_is_logged_with_who_and_what()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("Dispatched");
        var reviewer = await api.UserAsync("reviewer");
        var worker = await api.UserAsync(Worker);
        await reviewer.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        await worker.Field.GetTaskAsync(new GetIncidentRequest { Number = number });

        var auditor = await api.UserAsync("auditor");
        var reads = await auditor.Audit.ListReadsAsync(new ListReadsRequest { Number = number });

        Assert.Contains(reads.Reads, r => r.UserId == "reviewer" && r.Role == "Reviewer" && r.What == "detail");
        Assert.Contains(reads.Reads, r => r.UserId == Worker && r.Unit == "GREEN" && r.What == "task");
        Assert.All(reads.Reads, r => Assert.Contains(number, r.Number));
    }

    [Fact]
    public async Task Unit_staff_whose_token_names_no_unit_and_no_area_see_nothing()
    {
        var api = await Api();
        await new Office(api).ReportAsync();
        await api.CaughtUpAsync();
        var stray = await api.UserAsync("stray.staff");

        var everything = await stray.Cases.ListIncidentsAsync(new ListIncidentsRequest { PageSize = 200 });
        var searched = await stray.Cases.ListIncidentsAsync(
            new ListIncidentsRequest { Filter = new IncidentFilter { Query = "PT-" } }
        );

        Assert.Equal(0, everything.Total);
        Assert.Equal(0, searched.Total);
    }

    [Fact]
    public async Task Two_people_choosing_the_same_command_id_do_not_answer_for_each_other()
    {
        var api = await Api();
        var office = new Office(api);
        var first = await office.InStateAsync("Dispatched");
        var dispatcher = await api.UserAsync("dispatcher");
        var worker = await api.UserAsync(Worker);
        var shared = "cmd-1";

        await dispatcher.Cases.AddNoteAsync(
            new AddNoteRequest
            {
                Number = first,
                CommandId = shared,
                Text = "dispatcher's note",
            }
        );
        var accepted = await worker.Field.AcceptAsync(new AcceptRequest { Number = first, CommandId = shared });

        Assert.Equal("Accepted", accepted.State);
        Assert.Equal(shared, accepted.CommandId);
        var detail = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = first });
        Assert.Equal(["noteAdded", "accepted"], detail.Timeline.TakeLast(2).Select(t => t.Kind));
    }

    [Fact]
    public async Task Lists_are_logged_and_photos_of_personal_cases_are_withheld_from_masked_roles()
    {
        var api = await Api();
        var office = new Office(api);
        var relief = await office.ReportAsync("RELIEF_URGENT", "CSL", "张三丰", "13812345678");
        var dispatcher = await api.UserAsync("dispatcher");
        await dispatcher.Cases.FileIncidentAsync(new IncidentCommandRequest { Number = relief, CommandId = Id() });
        await dispatcher.Cases.DispatchIncidentAsync(
            new DispatchIncidentRequest
            {
                Number = relief,
                CommandId = Id(),
                LeadUnit = LeadUnit,
                Worker = Worker,
            }
        );
        var worker = await api.UserAsync(Worker);
        var reliefPhoto = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest { Number = relief, Content = Photo("family") }
        );
        var shop = await office.InStateAsync("InProgress");
        var shopPhoto = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest { Number = shop, Content = Photo("bin") }
        );
        var auditor = await api.UserAsync("auditor");

        Assert.Equal(
            System.Net.HttpStatusCode.Forbidden,
            (
                await api.Http.SendAsync(
                    api.Request(HttpMethod.Get, $"/api/v1/evidence/{reliefPhoto.Id}", auditor.Token)
                )
            ).StatusCode
        );
        Assert.Equal(
            System.Net.HttpStatusCode.OK,
            (
                await api.Http.SendAsync(api.Request(HttpMethod.Get, $"/api/v1/evidence/{shopPhoto.Id}", auditor.Token))
            ).StatusCode
        );
        Assert.Equal(
            System.Net.HttpStatusCode.OK,
            (
                await api.Http.SendAsync(
                    api.Request(HttpMethod.Get, $"/api/v1/evidence/{reliefPhoto.Id}", dispatcher.Token)
                )
            ).StatusCode
        );

        await api.CaughtUpAsync();
        await auditor.Cases.ListIncidentsAsync(
            new ListIncidentsRequest { Filter = new IncidentFilter { Query = relief } }
        );
        var reads = await auditor.Audit.ListReadsAsync(new ListReadsRequest { Number = relief, UserId = "auditor" });
        Assert.Contains(reads.Reads, r => r.What == "list" && r.Number.Contains(relief));
    }
}
