using System.Globalization;
using System.Reflection;
using System.Text;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Infrastructure.Archive;
using Dispatch.Infrastructure.ReadModel;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>
/// The evaluation (see audit.proto): the domain's <see cref="Scorecard"/> over the facts of the incidents reported in
/// the period, from the read model and the archive.
/// </summary>
public sealed class AuditService(
    ReadModelStore store,
    AuditFacts facts,
    ReadLog reads,
    Catalog catalog,
    TimeProvider time,
    IConfiguration configuration
) : V1.Audit.AuditBase
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
        var reply = new V1.FiguresReply
        {
            From = Day(from),
            To = Day(to),
            Total = WithCounts(Scorecard.Compute(facts).ToProto(), facts),
            By = by?.ToString() ?? "",
        };
        if (by is { } dimension)
            reply.Groups.AddRange(
                Scorecard
                    .By(facts, dimension)
                    .Select(g => new V1.FiguresGroup
                    {
                        Key = g.Key,
                        Name = NameOf(dimension, g.Key),
                        Figures = WithCounts(g.Figures.ToProto(), GroupFacts(facts, dimension, g.Key)),
                    })
            );
        AddTargets(reply);
        return reply;
    }

    [Authorize(Policy = nameof(Permission.ReadFigures))]
    public override async Task<V1.RankingReply> GetRanking(V1.PeriodRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var (from, to) = Period(request.From, request.To);
        var reply = new V1.RankingReply { From = Day(from), To = Day(to) };
        var facts = await FactsAsync(from, to);
        reply.Units.AddRange(
            Scorecard
                .Rank(facts)
                .Select(r => new V1.UnitRank
                {
                    Rank = r.Rank,
                    Unit = r.Unit,
                    Name = catalog.FindUnit(r.Unit)?.Zh ?? r.Unit,
                    Score = r.Score,
                    Grade = r.Grade.ToString(),
                    Figures = WithCounts(r.Figures.ToProto(), GroupFacts(facts, Domain.Dimension.Unit, r.Unit)),
                })
        );
        return ApplyMinimumSample(reply);
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
                Day = Day(p.Day),
                Reported = p.Reported,
                Filed = p.Filed,
                Dismissed = p.Dismissed,
                Closed = p.Closed,
                ClosedOnTime = p.ClosedOnTime,
                Overdue = p.Overdue,
            };
            foreach (var (kind, count) in events)
                point.Events[kind] = count;
            reply.Days.Add(point);
        }
        return reply;
    }

    public override async Task<HttpBody> ExportFigures(V1.FiguresRequest request, ServerCallContext context)
    {
        var figures = await GetFigures(request, context);
        var csv = Csv.Figures(figures);
        context.GetHttpContext().Response.Headers.ContentDisposition =
            $"attachment; filename=\"figures-{figures.From}-{figures.To}.csv\"";
        return new HttpBody
        {
            ContentType = "text/csv; charset=utf-8",
            Data = ByteString.CopyFrom(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray()),
        };
    }

    [Authorize(Policy = nameof(Permission.ReadAccessLog))]
    public override async Task<V1.ListReadsReply> ListReads(V1.ListReadsRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var limit = request.Limit switch
        {
            0 => 100,
            < 0 or > 1000 => throw Incidents.Invalid("limit", "must lie between 1 and 1000"),
            _ => request.Limit,
        };
        var reply = new V1.ListReadsReply();
        reply.Reads.AddRange(
            (await reads.ListAsync(Blank(request.Number), Blank(request.UserId), limit)).Select(r => new V1.ReadRecord
            {
                At = Timestamp.FromDateTimeOffset(r.At),
                UserId = r.UserId,
                Role = r.Role,
                Unit = r.Unit ?? "",
                What = r.What,
                Number = { r.Numbers },
            })
        );
        return reply;
    }

    /// <summary>The least number of cases reported in a period for a unit to be graded (Audit:MinimumSample).</summary>
    private int MinimumSample => configuration.GetValue("Audit:MinimumSample", 10);

    /// <summary>
    /// Units with fewer cases than the minimum sample keep their figures but lose rank and grade (样本不足); the
    /// others are ranked again among themselves, ties sharing a rank.
    /// </summary>
    private V1.RankingReply ApplyMinimumSample(V1.RankingReply reply)
    {
        var minimum = MinimumSample;
        reply.MinimumSample = minimum;
        var graded = reply.Units.Where(u => u.Figures.Reported >= minimum).ToList();
        var few = reply.Units.Where(u => u.Figures.Reported < minimum).ToList();
        for (var i = 0; i < graded.Count; i++)
            graded[i].Rank = i > 0 && graded[i].Score == graded[i - 1].Score ? graded[i - 1].Rank : i + 1;
        foreach (var unit in few)
        {
            unit.Insufficient = true;
            unit.Rank = 0;
            unit.Grade = "";
        }
        reply.Units.Clear();
        reply.Units.AddRange(graded.Concat(few.OrderByDescending(u => u.Figures.Reported)));
        return reply;
    }

    /// <summary>
    /// The targets configured under Audit:Targets (figure name → target), e.g. onTimeHandlingRate = 0.9.
    /// </summary>
    private void AddTargets(V1.FiguresReply reply)
    {
        foreach (var target in configuration.GetSection("Audit:Targets").GetChildren())
            if (double.TryParse(target.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                reply.Targets[target.Key] = value;
    }

    /// <summary>The counts behind the on-time rates of acceptance and handling, from the incidents' facts.</summary>
    private static V1.Figures WithCounts(V1.Figures figures, IEnumerable<IncidentFacts> facts)
    {
        foreach (var f in facts)
        {
            if (f.OnTime(Stage.Accepting) is { } accepted)
            {
                figures.AcceptanceMeasured++;
                if (accepted)
                    figures.OnTimeAcceptance++;
            }
            if (f.OnTime(Stage.Handling) is { } handled)
            {
                figures.HandlingMeasured++;
                if (handled)
                    figures.OnTimeHandling++;
            }
        }
        return figures;
    }

    /// <summary>The facts of one group of a dimension, as the scorecard groups them.</summary>
    private static IEnumerable<IncidentFacts> GroupFacts(
        IReadOnlyList<IncidentFacts> facts,
        Dimension dimension,
        string key
    ) =>
        facts.Where(f =>
            dimension switch
            {
                Domain.Dimension.Unit => f.LeadUnit == key,
                Domain.Dimension.Street => f.Street == key,
                Domain.Dimension.Scenario => f.Scenario == key,
                Domain.Dimension.Channel => f.Channel.ToString() == key,
                _ => f.Priority.ToString() == key,
            }
        );

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
        var today = DateOnly.FromDateTime(
            TimeZoneInfo.ConvertTime(time.GetUtcNow(), catalog.Calendar.TimeZone).DateTime
        );
        var end = string.IsNullOrWhiteSpace(to) ? today : ParseDay(to, "to");
        var start = string.IsNullOrWhiteSpace(from) ? end.AddDays(-(DefaultDays - 1)) : ParseDay(from, "from");
        if (end < start)
            throw Incidents.Invalid("to", "comes before from");
        if (end.DayNumber - start.DayNumber >= MaxDays)
            throw Incidents.Invalid("to", $"the period may span at most {MaxDays} days");
        return (start, end);
    }

    private static DateOnly ParseDay(string text, string field) =>
        DateOnly.TryParseExact(
            text.Trim(),
            "yyyy-MM-dd",
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out var day
        )
            ? day
            : throw Incidents.Invalid(field, $"'{text}' is not a date yyyy-MM-dd");

    private static Dimension? Dimension(string by) =>
        string.IsNullOrWhiteSpace(by) ? null
        : System.Enum.TryParse<Dimension>(by, ignoreCase: true, out var d) && System.Enum.IsDefined(d) ? d
        : throw Incidents.Invalid("by", $"'{by}' is not one of {string.Join(", ", System.Enum.GetNames<Dimension>())}");

    private string NameOf(Dimension dimension, string key) =>
        dimension switch
        {
            Domain.Dimension.Unit => catalog.FindUnit(key)?.Zh,
            Domain.Dimension.Street => catalog.FindStreet(key)?.Zh,
            Domain.Dimension.Scenario => catalog.FindScenario(key)?.Zh,
            Domain.Dimension.Priority => System.Enum.TryParse<Priority>(key, out var p)
            && catalog.Priorities.TryGetValue(p, out var c)
                ? c.Zh
                : null,
            _ => null,
        } ?? key;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// The figures as CSV for people (a spreadsheet in Chinese): one row for the total and one per group, one column per
/// figure with its Chinese name, rates as percentages ("93.5%"), times in hours, and the group's name before its code.
/// </summary>
public static class Csv
{
    private static readonly Dictionary<string, string> Headers = new()
    {
        ["reported"] = "上报数",
        ["filed"] = "立案数",
        ["dismissed"] = "不予立案数",
        ["merged"] = "合并数",
        ["filing_rate"] = "立案率",
        ["dispatched"] = "派遣案件数",
        ["dispatches"] = "派遣次数",
        ["returned"] = "退单数",
        ["dispatch_accuracy"] = "派遣准确率",
        ["on_time_filing_rate"] = "按时立案率",
        ["on_time_dispatch_rate"] = "按时派遣率",
        ["on_time_acceptance_rate"] = "按时签收率",
        ["on_time_arrival_rate"] = "按时到场率",
        ["on_time_handling_rate"] = "按期处置率",
        ["on_time_review_rate"] = "按时核查率",
        ["closed"] = "结案数",
        ["closure_rate"] = "结案率",
        ["closed_on_time"] = "按期结案数",
        ["on_time_closure_rate"] = "按期结案率",
        ["reopened"] = "重启数",
        ["reviewed"] = "核查数",
        ["reworked"] = "返工数",
        ["rework_rate"] = "返工率",
        ["extended"] = "延期数",
        ["extension_rate"] = "延期率",
        ["deferred"] = "挂账数",
        ["recurrences"] = "复发数",
        ["overdue"] = "逾期数",
        ["listed_for_supervision"] = "挂牌督办数",
        ["seconds_to_dispatch_p50"] = "派遣用时中位数（小时）",
        ["seconds_to_dispatch_p90"] = "派遣用时90分位（小时）",
        ["seconds_to_accept_p50"] = "签收用时中位数（小时）",
        ["seconds_to_accept_p90"] = "签收用时90分位（小时）",
        ["seconds_to_arrive_p50"] = "到场用时中位数（小时）",
        ["seconds_to_arrive_p90"] = "到场用时90分位（小时）",
        ["seconds_to_close_p50"] = "结案用时中位数（小时）",
        ["seconds_to_close_p90"] = "结案用时90分位（小时）",
        ["score"] = "综合得分",
        ["device_reported"] = "设备上报数",
        ["false_alarms"] = "误报数",
        ["false_alarm_rate"] = "误报率",
        ["on_time_acceptance"] = "按时签收数",
        ["acceptance_measured"] = "应签收数",
        ["on_time_handling"] = "按期处置数",
        ["handling_measured"] = "应处置数",
    };

    private static string Header(string field) =>
        Headers.TryGetValue(field, out var header)
            ? header
            : throw new InvalidOperationException($"the figure {field} has no Chinese header for the CSV");

    private static Func<object, string> Formatter(string field) =>
        field.EndsWith("_rate", StringComparison.Ordinal) || field == "dispatch_accuracy"
            ? v => ((double)v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%"
        : field.StartsWith("seconds_", StringComparison.Ordinal)
            ? v => ((double)v / 3600).ToString("0.0", CultureInfo.InvariantCulture)
        : field == "score" ? v => ((double)v).ToString("0.0", CultureInfo.InvariantCulture)
        : v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";

    private static readonly Dictionary<string, string> Dimensions = new()
    {
        ["Unit"] = "单位",
        ["Street"] = "街镇",
        ["Scenario"] = "场景",
        ["Channel"] = "渠道",
        ["Priority"] = "等级",
    };

    /// <summary>
    /// Each figure's column: its Chinese header, and how its value is written. Declared after the tables it reads,
    /// as static fields are initialised in the order they are written.
    /// </summary>
    private static readonly (
        Google.Protobuf.Reflection.FieldDescriptor Field,
        string Header,
        Func<object, string> Format
    )[] Columns =
    [
        .. V1.Figures.Descriptor.Fields.InFieldNumberOrder().Select(f => (f, Header(f.Name), Formatter(f.Name))),
    ];

    public static string Figures(V1.FiguresReply reply)
    {
        var text = new StringBuilder();
        Row(text, ["分组", "名称", "代码", .. Columns.Select(c => c.Header)]);
        Row(text, ["合计", "全区", "", .. Values(reply.Total)]);
        var dimension = Dimensions.GetValueOrDefault(reply.By, reply.By);
        foreach (var group in reply.Groups)
            Row(text, [dimension, group.Name, group.Key, .. Values(group.Figures)]);
        return text.ToString();
    }

    private static IEnumerable<string> Values(V1.Figures figures) =>
        Columns.Select(c =>
            c.Field.HasPresence && !c.Field.Accessor.HasValue(figures)
                ? ""
                : c.Format(c.Field.Accessor.GetValue(figures))
        );

    private static void Row(StringBuilder text, IEnumerable<string> cells) =>
        text.Append(string.Join(',', cells.Select(Quote))).Append("\r\n");

    /// <summary>RFC 4180 quoting; a cell that a spreadsheet would run as a formula is prefixed with a quote.</summary>
    private static string Quote(string cell)
    {
        if (
            cell.Length > 0
            && "=+-@".Contains(cell[0])
            && !double.TryParse(cell.TrimEnd('%'), CultureInfo.InvariantCulture, out _)
        )
            cell = "'" + cell;
        return cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;
    }
}
