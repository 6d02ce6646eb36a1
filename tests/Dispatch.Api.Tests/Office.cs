using Dispatch.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Dispatch.Api.Tests;

/// <summary>
/// Brings incidents into a state through the API, as the district's people would: the dispatcher reports and
/// dispatches to the bin unit GREEN and its worker green.w1, the worker handles, the reviewer closes.
/// </summary>
public sealed class Office(ApiServer api)
{
    public const string LeadUnit = "GREEN";
    public const string Worker = "green.w1";

    /// <summary>A photo (a whole JPEG) with some bytes of its own.</summary>
    public static ByteString Photo(string seed = "photo") => ByteString.CopyFrom(SecurityImages.JpegWithComment(seed));

    public static string Id() => Guid.NewGuid().ToString("N");

    public async Task<string> ReportAsync(
        string type = "SHOP_BIN_OVERFLOW",
        string street = "CSL",
        string? reporter = null,
        string? phone = null,
        string description = "垃圾桶满溢 bins overflowing"
    )
    {
        var dispatcher = await api.UserAsync("dispatcher");
        var reply = await dispatcher.Cases.ReportIncidentAsync(
            new ReportIncidentRequest
            {
                CommandId = Id(),
                Type = type,
                Channel = "Hotline",
                Street = street,
                Description = description,
                Location = new GeoPoint { Lat = 31.2412345, Lon = 121.4412345 },
                ReporterName = reporter ?? "",
                ReporterPhone = phone ?? "",
            }
        );
        return reply.Number;
    }

    /// <summary>
    /// A new incident brought to <paramref name="state"/> (Reported, Filed, Dispatched, Accepted, InProgress,
    /// UnderReview, Closed, Dismissed).
    /// </summary>
    public async Task<string> InStateAsync(string state, string type = "SHOP_BIN_OVERFLOW", string street = "CSL")
    {
        var number = await ReportAsync(type, street);
        var dispatcher = await api.UserAsync("dispatcher");
        if (state == "Reported")
            return number;
        if (state == "Dismissed")
        {
            await dispatcher.Cases.DismissIncidentAsync(
                new DismissIncidentRequest
                {
                    Number = number,
                    CommandId = Id(),
                    Ground = "FalseAlarm",
                    Reason = "glare",
                }
            );
            return number;
        }
        await dispatcher.Cases.FileIncidentAsync(new IncidentCommandRequest { Number = number, CommandId = Id() });
        if (state == "Filed")
            return number;
        await dispatcher.Cases.DispatchIncidentAsync(
            new DispatchIncidentRequest
            {
                Number = number,
                CommandId = Id(),
                LeadUnit = LeadUnit,
                Worker = Worker,
            }
        );
        if (state == "Dispatched")
            return number;
        var worker = await api.UserAsync(Worker);
        await worker.Field.AcceptAsync(new AcceptRequest { Number = number, CommandId = Id() });
        if (state == "Accepted")
            return number;
        await worker.Field.ArriveAsync(
            new ArriveRequest
            {
                Number = number,
                CommandId = Id(),
                Location = new GeoPoint { Lat = 31.2413, Lon = 121.4413 },
            }
        );
        if (state == "InProgress")
            return number;
        await SubmitAsync(worker, number);
        if (state == "UnderReview")
            return number;
        var reviewer = await api.UserAsync("reviewer");
        await reviewer.Cases.ReviewAsync(
            new ReviewRequest
            {
                Number = number,
                CommandId = Id(),
                Approve = true,
                Rating = 5,
                Comment = "clean",
            }
        );
        if (state == "Closed")
            return number;
        throw new ArgumentOutOfRangeException(nameof(state), state, "not a state this helper reaches");
    }

    public static async Task<CommandReply> SubmitAsync(User worker, string number, string? commandId = null)
    {
        var photo = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/jpeg",
                Content = Photo(number),
                FileName = "bin.jpg",
            }
        );
        var submit = new SubmitResultRequest
        {
            Number = number,
            CommandId = commandId ?? Id(),
            Note = "cleared",
        };
        submit.Evidence.Add(photo.Id);
        return await worker.Field.SubmitResultAsync(submit);
    }

    public static async Task<RpcException> FailsAsync(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
}
