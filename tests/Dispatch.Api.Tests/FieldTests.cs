using System.Net;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>Field work: photo evidence, offline replay, and the unit's worker choice.</summary>
[Collection(RedisFixture.Collection)]
public class FieldTests(RedisFixture redis)
{
    private Task<ApiServer> Api() => SharedApi.StartAsync(redis);

    [Fact]
    public async Task The_same_offline_batch_sent_twice_applies_once()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("Dispatched");
        var worker = await api.UserAsync(Worker);
        var photo = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/jpeg",
                Content = Photo("offline"),
                FileName = "x.jpg",
            }
        );
        var batch = new ReplayRequest();
        batch.Commands.Add(
            new QueuedCommand
            {
                Accept = new AcceptRequest { Number = number, CommandId = Id() },
            }
        );
        batch.Commands.Add(
            new QueuedCommand
            {
                Arrive = new ArriveRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Location = new Protos.V1.GeoPoint { Lat = 31.24, Lon = 121.44 },
                },
            }
        );
        batch.Commands.Add(
            new QueuedCommand
            {
                Submit = new SubmitResultRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Note = "cleared offline",
                    Evidence = { photo.Id },
                },
            }
        );

        var first = await worker.Field.ReplayQueuedAsync(batch);
        var second = await worker.Field.ReplayQueuedAsync(batch);

        Assert.All(first.Results, r => Assert.True(r.Ok, r.Error));
        Assert.Equal(first, second);
        Assert.Equal("UnderReview", first.Results[^1].Reply.State);
        var timeline = await api
            .Services.GetRequiredService<IGrainFactory>()
            .GetGrain<IIncidentGrain>(number)
            .GetTimelineAsync();
        Assert.Single(timeline.OfType<AssignmentAccepted>());
        Assert.Single(timeline.OfType<ArrivedOnSite>());
        Assert.Equal([photo.Id], Assert.Single(timeline.OfType<ResultSubmitted>()).Photos);
    }

    [Fact]
    public async Task One_refused_queued_command_does_not_stop_the_others()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("Dispatched");
        var worker = await api.UserAsync(Worker);
        var batch = new ReplayRequest();
        batch.Commands.Add(
            new QueuedCommand
            {
                Arrive = new ArriveRequest { Number = number, CommandId = Id() },
            }
        );
        batch.Commands.Add(
            new QueuedCommand
            {
                Accept = new AcceptRequest { Number = number, CommandId = Id() },
            }
        );
        batch.Commands.Add(
            new QueuedCommand
            {
                Accept = new AcceptRequest { Number = "PT-20991231-000001", CommandId = Id() },
            }
        );

        var reply = await worker.Field.ReplayQueuedAsync(batch);

        Assert.Equal([false, true, false], reply.Results.Select(r => r.Ok));
        Assert.Equal("FailedPrecondition", reply.Results[0].ErrorCode);
        Assert.Contains("Dispatched", reply.Results[0].Error);
        Assert.Equal("NotFound", reply.Results[2].ErrorCode);
        Assert.Equal("Accepted", reply.Results[1].Reply.State);
    }

    [Fact]
    public async Task Evidence_is_checked_by_content_and_size_stored_durably_and_shown_to_those_who_may_see_it()
    {
        var api = await Api();
        var number = await new Office(api).InStateAsync("InProgress");
        var worker = await api.UserAsync(Worker);
        var png = ByteString.CopyFrom(SecurityImages.Png);

        var notPhoto = await FailsAsync(() =>
            worker
                .Field.UploadEvidenceAsync(
                    new UploadEvidenceRequest
                    {
                        Number = number,
                        ContentType = "image/jpeg",
                        Content = ByteString.CopyFromUtf8("<script>"),
                    }
                )
                .ResponseAsync
        );
        var lying = await FailsAsync(() =>
            worker
                .Field.UploadEvidenceAsync(
                    new UploadEvidenceRequest
                    {
                        Number = number,
                        ContentType = "image/jpeg",
                        Content = png,
                    }
                )
                .ResponseAsync
        );
        var tooBig = await FailsAsync(() =>
            worker
                .Field.UploadEvidenceAsync(
                    new UploadEvidenceRequest
                    {
                        Number = number,
                        Content = ByteString.CopyFrom([0xFF, 0xD8, 0xFF, .. new byte[70_000]]),
                    }
                )
                .ResponseAsync
        );
        var unknown = await FailsAsync(() =>
            worker
                .Field.SubmitResultAsync(
                    new SubmitResultRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Evidence = { "not-an-id" },
                    }
                )
                .ResponseAsync
        );
        Assert.All([notPhoto, lying, tooBig, unknown], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.StartsWith("content:", notPhoto.Status.Detail);
        Assert.StartsWith("content_type:", lying.Status.Detail);
        Assert.StartsWith("content:", tooBig.Status.Detail);
        Assert.StartsWith("evidence:", unknown.Status.Detail);

        var first = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/png",
                Content = png,
                FileName = "bin.png",
            }
        );
        var again = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/png",
                Content = png,
                FileName = "bin.png",
            }
        );
        Assert.Equal(first, again);

        var download = await api.Http.SendAsync(
            api.Request(HttpMethod.Get, $"/api/v1/evidence/{first.Id}", worker.Token)
        );
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png.ToByteArray(), await download.Content.ReadAsByteArrayAsync());
        var stranger = await api.Http.SendAsync(
            api.Request(HttpMethod.Get, $"/api/v1/evidence/{first.Id}", await api.TokenAsync("green.w2"))
        );
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        var anonymous = await api.Http.GetAsync($"/api/v1/evidence/{first.Id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Unit_staff_give_the_task_to_a_worker_of_their_unit_only()
    {
        var api = await Api();
        var office = new Office(api);
        var dispatcher = await api.UserAsync("dispatcher");
        var number = await office.InStateAsync("Filed");
        await dispatcher.Cases.DispatchIncidentAsync(
            new DispatchIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                LeadUnit = LeadUnit,
            }
        );
        var staff = await api.UserAsync("green.staff");

        var foreign = await FailsAsync(() =>
            staff
                .Field.AcceptAsync(
                    new AcceptRequest
                    {
                        Number = number,
                        CommandId = Id(),
                        Worker = "fire.w1",
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.InvalidArgument, foreign.StatusCode);
        Assert.StartsWith("worker:", foreign.Status.Detail);
        await staff.Field.AcceptAsync(
            new AcceptRequest
            {
                Number = number,
                CommandId = Id(),
                Worker = "green.w2",
            }
        );

        var worker = await api.UserAsync("green.w2");
        var task = await worker.Field.GetTaskAsync(new GetIncidentRequest { Number = number });
        Assert.Equal("green.w2", task.Assignments.Single(a => a.Lead).Worker);
        var filed = await office.InStateAsync("Filed");
        var wrongDispatch = await FailsAsync(() =>
            dispatcher
                .Cases.DispatchIncidentAsync(
                    new DispatchIncidentRequest
                    {
                        Number = filed,
                        CommandId = Id(),
                        LeadUnit = "FIRE",
                        Worker = "green.w1",
                    }
                )
                .ResponseAsync
        );
        Assert.StartsWith("worker:", wrongDispatch.Status.Detail);
    }
}
