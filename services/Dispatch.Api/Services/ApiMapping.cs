using System.Reflection;
using System.Text.Json;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.ReadModel;
using Google.Protobuf.WellKnownTypes;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>Between the domain's records and the API's messages.</summary>
public static class ApiMapping
{
    private const int ShortDescription = 140;

    public static V1.IncidentSummary ToSummary(
        this Incident i,
        Catalog catalog,
        bool masked,
        IEnumerable<string>? actions = null
    )
    {
        var type = catalog.FindType(i.Type);
        var due = i
            .Clocks.Select(c => (c.Stage, At: c.DueAt(catalog.Calendar)))
            .Where(c => c.At is not null)
            .OrderBy(c => c.At)
            .FirstOrDefault();
        var summary = new V1.IncidentSummary
        {
            Number = i.Number,
            State = i.State.ToString(),
            Scenario = i.Scenario,
            Type = i.Type,
            TypeZh = type?.Zh ?? i.Type,
            TypeEn = type?.En ?? i.Type,
            Priority = i.Priority.ToString(),
            Channel = i.Channel.ToString(),
            Street = i.Street,
            LeadUnit = i.Lead?.Unit ?? "",
            ReportedAt = Timestamp.FromDateTimeOffset(i.ReportedAt),
            Escalation = (int)i.Escalation,
            Deferred = i.Deferred,
            Version = i.Version,
            Masked = masked,
            Description =
                i.Description.Length > ShortDescription ? i.Description[..ShortDescription] + "…" : i.Description,
            Location = i.Location?.ToProto(),
        };
        summary.CoUnits.AddRange(i.Assignments.Where(a => !a.IsLead).Select(a => a.Unit));
        summary.Workers.AddRange(i.Assignments.Select(a => a.Worker).OfType<string>().Distinct());
        summary.Actions.AddRange(actions ?? []);
        if (due.At is { } at)
        {
            summary.DueAt = Timestamp.FromDateTimeOffset(at);
            summary.DueStage = due.Stage.ToString();
        }
        if (ActionQueue.FirstDue(i, catalog.Calendar) is { } first)
            summary.WarnAt = Timestamp.FromDateTimeOffset(first.WarnAt);
        summary.Queues.AddRange(ActionQueue.Of(i));
        summary.SourceRef = i.SourceRef ?? "";
        return summary;
    }

    public static V1.IncidentDetail ToDetail(
        this Incident i,
        IReadOnlyList<IncidentEvent> timeline,
        IReadOnlyList<RecordedAlert> alerts,
        Catalog catalog,
        bool masked,
        IEnumerable<string> actions,
        Func<string, string> nameOf
    )
    {
        var detail = new V1.IncidentDetail
        {
            Summary = i.ToSummary(catalog, masked, actions),
            Description = i.Description,
            Reporter = i.Reporter is { } r ? new V1.ReporterInfo { Name = r.Name, Phone = r.Phone ?? "" } : null,
            MergedInto = i.MergedInto ?? "",
            Rating = i.Evaluation?.Rating ?? 0,
            RatingComment = i.Evaluation?.Comment ?? "",
            Returns = i.Returns,
            Reworks = i.Reworks,
            Reopens = i.Reopens,
            Confidence = timeline.OfType<IncidentReported>().FirstOrDefault()?.Confidence ?? 0,
        };
        detail.Assignments.AddRange(
            i.Assignments.Select(a => new V1.Assignment
            {
                Unit = a.Unit,
                Lead = a.IsLead,
                State = a.State.ToString(),
                Worker = a.Worker ?? "",
                WorkerName = a.Worker is { } worker ? nameOf(worker) : "",
            })
        );
        detail.Deadlines.AddRange(
            i.Clocks.Select(c => new V1.StageDeadline
            {
                Stage = c.Stage.ToString(),
                Kind = c.Kind.ToString(),
                Reached = (int)c.Reached,
                DueAt = c.DueAt(catalog.Calendar) is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            })
        );
        detail.Timeline.AddRange(timeline.Select(e => ToEntry(e, nameOf)));
        detail.Alerts.AddRange(alerts.Select(a => ToAlert(a, masked)));
        detail.Evidence.AddRange(timeline.OfType<ResultSubmitted>().SelectMany(s => s.Photos).Distinct());
        detail.MergedFrom.AddRange(i.MergedFrom);
        return detail;
    }

    public static V1.TimelineEntry ToEntry(IncidentEvent e, Func<string, string> nameOf) =>
        new()
        {
            Seq = e.Seq,
            At = Timestamp.FromDateTimeOffset(e.At),
            Kind = DispatchSerialization.KindOf(e),
            Actor = e.Actor.UserId,
            ActorName = nameOf(e.Actor.UserId),
            ActorRole = e.Actor.Role.ToString(),
            ActorUnit = e.Actor.Unit ?? "",
            Reason = e.Reason ?? "",
            DetailsJson = JsonSerializer.Serialize(e, DispatchSerialization.Json),
        };

    /// <summary>
    /// An alert behind an incident; masked, its position is coarsened and its image withheld, like its incident.
    /// </summary>
    public static V1.AlertRecord ToAlert(RecordedAlert recorded, bool masked)
    {
        var alert = recorded.Alert;
        var record = new V1.AlertRecord
        {
            AlertId = alert.AlertId,
            DeviceId = alert.DeviceId,
            GatewayId = alert.GatewayId,
            Disposition = recorded.Disposition.ToString(),
            Type = alert.Type,
            ObservedAt = Timestamp.FromDateTimeOffset(alert.ObservedAt),
            Severity = alert.Severity,
            Location = (masked ? Masking.Coarse(alert.Location)!.Value : alert.Location).ToProto(),
        };
        if (alert.Detection is { } d)
        {
            record.Detection = new V1.Detection
            {
                Model = d.Model,
                ModelVersion = d.ModelVersion,
                Confidence = d.Confidence,
                ImageRef = masked ? "" : d.ImageRef ?? "",
            };
            record.Detection.Boxes.AddRange(
                d.Boxes.Select(b => new V1.BoundingBox
                {
                    X = b.X,
                    Y = b.Y,
                    Width = b.Width,
                    Height = b.Height,
                    Label = b.Label ?? "",
                })
            );
        }
        return record;
    }

    public static V1.GeoPoint ToProto(this GeoPoint p) => new() { Lat = p.Lat, Lon = p.Lon };

    public static GeoPoint? ToDomain(this V1.GeoPoint? p) => p is null ? null : new GeoPoint(p.Lat, p.Lon);

    public static V1.CommandReply ToReply(this CommandResult r) =>
        new()
        {
            Number = r.IncidentNumber,
            CommandId = r.CommandId,
            State = r.State?.ToString() ?? "",
            FirstSeq = r.FirstSeq,
            LastSeq = r.LastSeq,
        };

    private static readonly (PropertyInfo From, PropertyInfo To)[] FigureFields =
    [
        .. typeof(Figures)
            .GetProperties()
            .Select(p => (From: p, To: typeof(V1.Figures).GetProperty(p.Name)))
            .Where(p => p.To is not null)
            .Select(p => (p.From, p.To!)),
    ];

    /// <summary>The proto carries the domain's figures field by field, under the same names.</summary>
    public static V1.Figures ToProto(this Figures figures)
    {
        var proto = new V1.Figures();
        foreach (var (from, to) in FigureFields)
            if (from.GetValue(figures) is { } value)
                to.SetValue(proto, value);
        return proto;
    }
}
