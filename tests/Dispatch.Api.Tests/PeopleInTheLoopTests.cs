using Dispatch.Domain;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Api.Tests.Office;
using GeoPoint = Dispatch.Protos.V1.GeoPoint;

namespace Dispatch.Api.Tests;

/// <summary>
/// People in the loop, through the API with the shipped duty roster: machine dispatch reaches a person on duty for
/// every assignment (or the unit's duty officer), every urgent type closes its whole loop, dispatchers reclassify,
/// recall, redirect and urge, and unit staff keep their roster.
/// </summary>
[Collection(RedisFixture.Collection)]
public class PeopleInTheLoopTests(RedisFixture redis)
{
    private static readonly GeoPoint Site = new() { Lat = 31.2412345, Lon = 121.4412345 };

    private async Task<(ApiServer Api, User Dispatcher)> StartAsync()
    {
        var api = await SharedApi.StartAsync(redis);
        return (api, await api.UserAsync("dispatcher"));
    }

    private static async Task<string> ReportAsync(User dispatcher, string type, string street = "CSL")
    {
        var reply = await dispatcher.Cases.ReportIncidentAsync(
            new ReportIncidentRequest
            {
                CommandId = Id(),
                Type = type,
                Channel = "Hotline",
                Street = street,
                Description = $"{type} reported by phone",
                Location = Site,
            }
        );
        return reply.Number;
    }

    public static TheoryData<string> UrgentTypes()
    {
        var catalog = CatalogLoader.Load(CatalogLoader.DefaultDirectory());
        var data = new TheoryData<string>();
        foreach (var type in catalog.Scenarios.SelectMany(s => s.Types).Where(t => t.Priority == Priority.P1))
            data.Add(type.Code);
        return data;
    }

    [Theory]
    [MemberData(nameof(UrgentTypes))]
    public async Task Every_urgent_type_is_dispatched_to_people_on_duty_handled_by_every_unit_reviewed_and_closed(
        string type
    )
    {
        var (api, dispatcher) = await StartAsync();
        var number = await ReportAsync(dispatcher, type);

        var dispatched = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal("Dispatched", dispatched.Summary.State);
        Assert.NotEmpty(dispatched.Assignments);
        var catalog = api.Services.GetRequiredService<Catalog>();
        var closing = catalog.FindType(type)!.Closing;
        foreach (var assignment in dispatched.Assignments)
        {
            Assert.False(string.IsNullOrEmpty(assignment.Worker), $"the assignment of {assignment.Unit} names no one");
            Assert.NotEqual(assignment.Worker, assignment.WorkerName);
            var person = await api.UserAsync(assignment.Worker);
            await person.Field.AcceptAsync(new AcceptRequest { Number = number, CommandId = Id() });
            await person.Field.ArriveAsync(
                new ArriveRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Location = Site,
                }
            );
            var submit = new SubmitResultRequest
            {
                Number = number,
                CommandId = Id(),
                Note = $"{assignment.Unit} done",
                Location = Site,
            };
            if (closing.PhotoRequired)
                submit.Evidence.Add(
                    (
                        await person.Field.UploadEvidenceAsync(
                            new UploadEvidenceRequest
                            {
                                Number = number,
                                ContentType = "image/jpeg",
                                Content = Photo($"{number}/{assignment.Unit}"),
                                FileName = "site.jpg",
                            }
                        )
                    ).Id
                );
            await person.Field.SubmitResultAsync(submit);
        }
        var reviewer = await api.UserAsync("reviewer");
        await reviewer.Cases.ReviewAsync(
            new ReviewRequest
            {
                Number = number,
                CommandId = Id(),
                Approve = true,
                Rating = 4,
                Comment = "handled",
            }
        );
        Assert.Equal(
            "Closed",
            (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary.State
        );
    }

    [Fact]
    public async Task The_recommendation_ranks_each_units_people_on_duty_and_names_machine_dispatchs_choice()
    {
        var (api, dispatcher) = await StartAsync();
        var number = await new Office(api).InStateAsync("Filed", street: "CSL");

        var recommendation = await dispatcher.Cases.RecommendDispatchAsync(new GetIncidentRequest { Number = number });

        Assert.Equal(("GREEN", true), (recommendation.Units[0].Unit, recommendation.Units[0].Lead));
        Assert.Equal(["GREEN", .. recommendation.CoUnits], recommendation.Units.Select(u => u.Unit));
        foreach (var unit in recommendation.Units)
        {
            Assert.False(string.IsNullOrEmpty(unit.Pick), $"nobody for {unit.Unit}");
            if (unit.Workers.Count > 0)
                Assert.Equal((unit.Workers[0].UserId, "OnDutyWorker"), (unit.Pick, unit.PickBasis));
            var ranked = unit.Workers.ToList();
            Assert.Equal(
                ranked.OrderBy(w => w.Status == "OnDutyFree" ? 0 : 1).ThenBy(w => w.OpenTasks).Select(w => w.UserId),
                ranked.Select(w => w.UserId)
            );
        }
    }

    [Fact]
    public async Task With_nobody_of_a_unit_on_duty_machine_dispatch_goes_to_its_duty_officer_never_to_no_one()
    {
        var (api, dispatcher) = await StartAsync();
        var roster = await dispatcher.Roster.GetUnitRosterAsync(new UnitRequest { Unit = "ENFORCE" });
        foreach (var worker in roster.Staff.Where(s => s.Role == "Worker"))
            await (await api.UserAsync(worker.UserId)).Roster.ReportDutyAsync(new DutyReport { Status = "OffDuty" });
        try
        {
            var number = await new Office(api).InStateAsync("Filed", street: "CSL");
            await dispatcher.Cases.DispatchIncidentAsync(
                new DispatchIncidentRequest
                {
                    Number = number,
                    CommandId = Id(),
                    LeadUnit = "ENFORCE",
                }
            );
            var detail = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
            Assert.Equal(roster.DutyOfficer, detail.Assignments.Single(a => a.Unit == "ENFORCE").Worker);
        }
        finally
        {
            foreach (var worker in roster.Staff.Where(s => s.Role == "Worker"))
                await (await api.UserAsync(worker.UserId)).Roster.ReportDutyAsync(
                    new DutyReport { Status = "OnDutyFree" }
                );
        }
    }

    [Fact]
    public async Task A_phone_reports_its_own_position_and_the_nearer_free_worker_is_recommended_first()
    {
        var (api, dispatcher) = await StartAsync();
        var number = await new Office(api).InStateAsync("Filed", street: "CSL");
        var before = await dispatcher.Cases.RecommendDispatchAsync(new GetIncidentRequest { Number = number });
        var candidates = before.Units[0].Workers.Where(w => w.Status == "OnDutyFree").Select(w => w.UserId).ToList();
        Assert.True(candidates.Count >= 2, "the shipped roster has at least two GREEN workers on duty at any hour");
        var (near, far) = (candidates[^1], candidates[0]);
        await (await api.UserAsync(far)).Roster.ReportDutyAsync(
            new DutyReport
            {
                Position = new GeoPoint { Lat = 31.2900, Lon = 121.3900 },
                AccuracyM = 8,
            }
        );
        await (await api.UserAsync(near)).Roster.ReportDutyAsync(
            new DutyReport
            {
                Position = new GeoPoint { Lat = 31.2413, Lon = 121.4413 },
                AccuracyM = 8,
            }
        );

        var after = (await dispatcher.Cases.RecommendDispatchAsync(new GetIncidentRequest { Number = number }))
            .Units[0]
            .Workers;
        var (nearRank, farRank) = (
            after.ToList().FindIndex(w => w.UserId == near),
            after.ToList().FindIndex(w => w.UserId == far)
        );
        if (after[nearRank].OpenTasks == after[farRank].OpenTasks)
            Assert.True(nearRank < farRank, "the nearer worker comes first");
        Assert.InRange(after[nearRank].DistanceM, 0, 50);
        var people = await dispatcher.Roster.ListPeopleAsync(new PeopleRequest { Units = { "GREEN" } });
        Assert.Equal(8, people.People.Single(p => p.UserId == near).AccuracyM);

        var noFix = await Assert.ThrowsAsync<RpcException>(() =>
            (api.UserAsync(near).Result)
                .Roster.ReportDutyAsync(
                    new DutyReport
                    {
                        Position = new GeoPoint { Lat = 0, Lon = 0 },
                        AccuracyM = 5,
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(("position", StatusCode.InvalidArgument), (Problems.FieldOf(noFix), noFix.StatusCode));
    }

    [Fact]
    public async Task A_dispatcher_recalls_an_assignment_and_dispatches_it_again_or_redirects_it_to_another_person()
    {
        var (api, dispatcher) = await StartAsync();
        var number = await new Office(api).InStateAsync("Accepted");

        await dispatcher.Cases.RecallAssignmentAsync(
            new RecallAssignmentRequest
            {
                Number = number,
                CommandId = Id(),
                Unit = LeadUnit,
                Reason = "wrong bins",
            }
        );
        var recalled = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal("Filed", recalled.Summary.State);
        Assert.Empty(recalled.Assignments);
        Assert.Equal(0, recalled.Returns);

        await dispatcher.Cases.DispatchIncidentAsync(
            new DispatchIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                LeadUnit = "ENFORCE",
            }
        );
        var redirected = await dispatcher.Cases.RedirectAssignmentAsync(
            new RedirectAssignmentRequest
            {
                Number = number,
                CommandId = Id(),
                Unit = "ENFORCE",
                ToUnit = "GREEN",
                Worker = "green.w2",
                Reason = "it is about bins after all",
            }
        );
        var now = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal(("GREEN", "green.w2"), (now.Assignments.Single().Unit, now.Assignments.Single().Worker));
        Assert.Contains(now.Timeline, e => e.Kind == "redirected");

        var foreign = await Assert.ThrowsAsync<RpcException>(() =>
            dispatcher
                .Cases.RedirectAssignmentAsync(
                    new RedirectAssignmentRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Unit = "GREEN",
                        ToUnit = "GREEN",
                        Worker = "fire.w1",
                        Reason = "x",
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(("worker", StatusCode.InvalidArgument), (Problems.FieldOf(foreign), foreign.StatusCode));
        Assert.Equal(
            redirected.LastSeq,
            (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary.Version
        );

        var closed = await new Office(api).InStateAsync("Closed");
        var late = await Assert.ThrowsAsync<RpcException>(() =>
            dispatcher
                .Cases.RecallAssignmentAsync(
                    new RecallAssignmentRequest
                    {
                        Number = closed,
                        CommandId = Id(),
                        Unit = LeadUnit,
                        Reason = "too late",
                    }
                )
                .ResponseAsync
        );
        Assert.Equal((StatusCode.FailedPrecondition, "ILLEGAL_TRANSITION"), (late.StatusCode, Problems.ReasonOf(late)));
        Assert.Contains("Closed", late.Status.Detail);
    }

    [Fact]
    public async Task A_dispatcher_reclassifies_with_a_reason_and_bad_reclassifications_change_nothing()
    {
        var (api, dispatcher) = await StartAsync();
        var number = await ReportAsync(dispatcher, "FIRE_HYDRANT_PRESSURE");
        var before = (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary;

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            dispatcher
                .Cases.ReclassifyIncidentAsync(
                    new ReclassifyIncidentRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Type = "FIRE_DRAGON",
                        Reason = "x",
                    }
                )
                .ResponseAsync
        );
        var same = await Assert.ThrowsAsync<RpcException>(() =>
            dispatcher
                .Cases.ReclassifyIncidentAsync(
                    new ReclassifyIncidentRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Type = "FIRE_HYDRANT_PRESSURE",
                        Reason = "x",
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(("type", "type"), (Problems.FieldOf(unknown), Problems.FieldOf(same)));
        Assert.Equal(
            before.Version,
            (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary.Version
        );

        await dispatcher.Cases.ReclassifyIncidentAsync(
            new ReclassifyIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                Type = "FIRE_CONFIRMED",
                Reason = "the caller sees flames",
            }
        );
        var after = await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number });
        Assert.Equal(
            ("FIRE_CONFIRMED", "P1", "Dispatched"),
            (after.Summary.Type, after.Summary.Priority, after.Summary.State)
        );
        Assert.All(after.Assignments, a => Assert.False(string.IsNullOrEmpty(a.Worker)));
        Assert.Contains(after.Timeline, e => e.Kind == "reclassified" && e.Reason == "the caller sees flames");
    }

    [Fact]
    public async Task An_urge_is_recorded_on_the_timeline_and_the_summary_offers_only_allowed_actions()
    {
        var (api, dispatcher) = await StartAsync();
        var number = await new Office(api).InStateAsync("Dispatched");
        var summary = (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Summary;
        Assert.Contains("urge", summary.Actions);
        Assert.Contains("recall", summary.Actions);
        Assert.DoesNotContain("file", summary.Actions);
        var worker = await api.UserAsync(Worker);
        Assert.Contains(
            "accept",
            (await worker.Field.GetTaskAsync(new GetIncidentRequest { Number = number })).Summary.Actions
        );

        await dispatcher.Cases.UrgeIncidentAsync(
            new UrgeIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                Text = "请尽快签收",
            }
        );
        var timeline = (await dispatcher.Cases.GetIncidentAsync(new GetIncidentRequest { Number = number })).Timeline;
        var urged = Assert.Single(timeline, e => e.Kind == "urged");
        Assert.Equal("dispatcher", urged.Actor);
        Assert.Contains("请尽快签收", urged.DetailsJson);
    }

    [Fact]
    public async Task Unit_staff_change_their_units_roster_and_a_roster_naming_unknowns_is_refused_by_field()
    {
        var (api, _) = await StartAsync();
        var staff = await api.UserAsync("green.staff");
        var roster = await staff.Roster.GetUnitRosterAsync(new UnitRequest { Unit = "GREEN" });

        var unknownUnit = roster.Clone();
        unknownUnit.Unit = "MARS";
        var noUnit = await Assert.ThrowsAsync<RpcException>(() =>
            staff.Roster.UpdateUnitRosterAsync(unknownUnit).ResponseAsync
        );
        Assert.Equal(("unit", StatusCode.InvalidArgument), (Problems.FieldOf(noUnit), noUnit.StatusCode));
        var strayOfficer = roster.Clone();
        strayOfficer.DutyOfficer = "nobody.here";
        var badOfficer = await Assert.ThrowsAsync<RpcException>(() =>
            staff.Roster.UpdateUnitRosterAsync(strayOfficer).ResponseAsync
        );
        Assert.Equal("dutyOfficer", Problems.FieldOf(badOfficer));
        var bidi = roster.Clone();
        bidi.Staff.Single(s => s.UserId == "green.w2").Name = "李\u202E四";
        var badName = await Assert.ThrowsAsync<RpcException>(() =>
            staff.Roster.UpdateUnitRosterAsync(bidi).ResponseAsync
        );
        Assert.Equal((StatusCode.InvalidArgument, "staff[1].name"), (badName.StatusCode, Problems.FieldOf(badName)));
        Assert.Equal(roster, await staff.Roster.GetUnitRosterAsync(new UnitRequest { Unit = "GREEN" }));

        var renamed = roster.Clone();
        renamed.Staff.Single(s => s.UserId == "green.w2").Name = "李四 (改名)";
        await staff.Roster.UpdateUnitRosterAsync(renamed);
        Assert.Equal(
            "李四 (改名)",
            (await staff.Roster.GetUnitRosterAsync(new UnitRequest { Unit = "GREEN" }))
                .Staff.Single(s => s.UserId == "green.w2")
                .Name
        );
        await staff.Roster.UpdateUnitRosterAsync(roster);

        var other = await Assert.ThrowsAsync<RpcException>(() =>
            staff
                .Roster.UpdateUnitRosterAsync(
                    (api.UserAsync("dispatcher").Result.Roster.GetUnitRoster(new UnitRequest { Unit = "FIRE" }))
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }
}
