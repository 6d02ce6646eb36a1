using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using System.Reflection;
using System.Text;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.ReadModel;
using Dispatch.Infrastructure;
using Dispatch.Domain;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// The evaluation (see audit.proto): the domain's <see cref="Scorecard"/> over the facts of the incidents reported in
/// the period, from the read model and the archive.
/// </summary>
public sealed class AuditService(ReadModelStore store, AuditFacts facts, ReadLog reads, Catalog catalog, TimeProvider time) : V1.Audit.AuditBase
{
    private const int DefaultDays = 30;
    private const int MaxDays = 366;

    [Authorize(Policy = nameof(Permission.ReadFigures))]
    public override async Task<V1.FiguresReply> GetFigures(V1.FiguresRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var (from, to) = Period(request.From, request.To);
        var by = Dimension(request.By);
        var facts = await FactsAsync(from, to);
        var reply = new V1.FiguresReply { From = Day(from), To = Day(to), Total = Scorecard.Compute(facts).ToProto(), By = by?.ToString() ?? "" };
        if (by is { } dimension)
            reply.Groups.AddRange(Scorecard.By(facts, dimension).Select(g => new V1.FiguresGroup
            {
                Key = g.Key, Name = NameOf(dimension, g.Key), Figures = g.Figures.ToProto(),
            }));
        return reply;
    }

    [Authorize(Policy = nameof(Permission.ReadFigures))]
    public override async Task<V1.RankingReply> GetRanking(V1.PeriodRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var (from, to) = Period(request.From, request.To);
        var reply = new V1.RankingReply { From = Day(from), To = Day(to) };
        reply.Units.AddRange(Scorecard.Rank(await FactsAsync(from, to)).Select(r => new V1.UnitRank
        {
            Rank = r.Rank, Unit = r.Unit, Name = catalog.FindUnit(r.Unit)?.Zh ?? r.Unit, Score = r.Score, Grade = r.Grade.ToString(),
            Figures = r.Figures.ToProto(),
        }));
        return reply;
    }

    [Authorize(Policy = nameof(Permission.ReadFigures))]
    public override async Task<V1.TrendReply> GetTrend(V1.PeriodRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var (from, to) = Period(request.From, request.To);
        var reply = new V1.TrendReply { From = Day(from), To = Day(to) };
        var trend = Scorecard.Trend(await FactsAsync(from, to), from, to, catalog.Calendar.TimeZone);
        var counters = await store.DailyAsync([.. trend.Select(p => p.Day)]);
        foreach (var (p, events) in trend.Zip(counters))
        {
            var point = new V1.TrendPoint
            {
                Day = Day(p.Day), Reported = p.Reported, Filed = p.Filed, Dismissed = p.Dismissed, Closed = p.Closed,
                ClosedOnTime = p.ClosedOnTime, Overdue = p.Overdue,
            };
            foreach (var (kind, count) in events) point.Events[kind] = count;
            reply.Days.Add(point);
        }
        return reply;
    }

    public override async Task<HttpBody> ExportFigures(V1.FiguresRequest request, ServerCallContext context)
    {
        var figures = await GetFigures(request, context);
        var csv = Csv.Figures(figures);
        context.GetHttpContext().Response.Headers.ContentDisposition = $"attachment; filename=\"figures-{figures.From}-{figures.To}.csv\"";
        return new HttpBody { ContentType = "text/csv; charset=utf-8", Data = ByteString.CopyFrom(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray()) };
    }

    [Authorize(Policy = nameof(Permission.ReadAccessLog))]
    public override async Task<V1.ListReadsReply> ListReads(V1.ListReadsRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var limit = request.Limit switch { 0 => 100, < 0 or > 1000 => throw Incidents.Invalid("limit", "must lie between 1 and 1000"), _ => request.Limit };
        var reply = new V1.ListReadsReply();
        reply.Reads.AddRange((await reads.ListAsync(Blank(request.Number), Blank(request.UserId), limit)).Select(r => new V1.ReadRecord
        {
            At = Timestamp.FromDateTimeOffset(r.At), UserId = r.UserId, Role = r.Role, Unit = r.Unit ?? "", What = r.What, Number = { r.Numbers },
        }));
        return reply;
    }

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private async Task<IReadOnlyList<IncidentFacts>> FactsAsync(DateOnly from, DateOnly to)
    {
        var zone = catalog.Calendar.TimeZone;
        DateTimeOffset Start(DateOnly day)
        {
            var local = day.ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }
        return await facts.ReportedAsync(Start(from), Start(to.AddDays(1)));
    }

    /// <summary>The period asked for, in the district's dates; the last 30 days when none is given.</summary>
    private (DateOnly From, DateOnly To) Period(string from, string to)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), catalog.Calendar.TimeZone).DateTime);
        var end = string.IsNullOrWhiteSpace(to) ? today : ParseDay(to, "to");
        var start = string.IsNullOrWhiteSpace(from) ? end.AddDays(-(DefaultDays - 1)) : ParseDay(from, "from");
        if (end < start) throw Incidents.Invalid("to", "comes before from");
        if (end.DayNumber - start.DayNumber >= MaxDays) throw Incidents.Invalid("to", $"the period may span at most {MaxDays} days");
        return (start, end);
    }

    private static DateOnly ParseDay(string text, string field) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw Incidents.Invalid(field, $"'{text}' is not a date yyyy-MM-dd");

    private static Dimension? Dimension(string by) =>
        string.IsNullOrWhiteSpace(by) ? null
        : System.Enum.TryParse<Dimension>(by, ignoreCase: true, out var d) && System.Enum.IsDefined(d) ? d
        : throw Incidents.Invalid("by", $"'{by}' is not one of {string.Join(", ", System.Enum.GetNames<Dimension>())}");

    private string NameOf(Dimension dimension, string key) => dimension switch
    {
        Domain.Dimension.Unit => catalog.FindUnit(key)?.Zh,
        Domain.Dimension.Street => catalog.FindStreet(key)?.Zh,
        Domain.Dimension.Scenario => catalog.FindScenario(key)?.Zh,
        Domain.Dimension.Priority => System.Enum.TryParse<Priority>(key, out var p) && catalog.Priorities.TryGetValue(p, out var c) ? c.Zh : null,
        _ => null,
    } ?? key;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>The figures as CSV: one row for the total and one per group, one column per figure.</summary>
public static class Csv
{
    private static readonly PropertyInfo[] Columns = [.. typeof(Figures).GetProperties()];

    public static string Figures(V1.FiguresReply reply)
    {
        var text = new StringBuilder();
        Row(text, ["group", "key", "name", .. Columns.Select(c => c.Name)]);
        Row(text, ["total", "", "", .. Values(reply.Total)]);
        foreach (var group in reply.Groups) Row(text, [reply.By, group.Key, group.Name, .. Values(group.Figures)]);
        return text.ToString();
    }

    private static IEnumerable<string> Values(V1.Figures figures) => Columns.Select(c =>
    {
        var proto = typeof(V1.Figures).GetProperty(c.Name)!;
        var has = typeof(V1.Figures).GetProperty("Has" + c.Name);
        if (has is not null && !(bool)has.GetValue(figures)!) return "";
        return Convert.ToString(proto.GetValue(figures), CultureInfo.InvariantCulture) ?? "";
    });

    private static void Row(StringBuilder text, IEnumerable<string> cells) =>
        text.Append(string.Join(',', cells.Select(Quote))).Append("\r\n");

    /// <summary>RFC 4180 quoting; a cell that a spreadsheet would run as a formula is prefixed with a quote.</summary>
    private static string Quote(string cell)
    {
        if (cell.Length > 0 && "=+-@".Contains(cell[0]) && !double.TryParse(cell, CultureInfo.InvariantCulture, out _)) cell = "'" + cell;
        return cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;
    }
}
