using System.Globalization;
using Dispatch.Abstractions;
using Dispatch.Domain;
using Dispatch.ServiceDefaults;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using V1 = Dispatch.Protos.V1;

namespace Dispatch.Api.Services;

/// <summary>The duty roster and who is on duty now (see roster.proto).</summary>
public sealed class RosterService(IGrainFactory grains, Catalog catalog, People people) : V1.Roster.RosterBase
{
    [Authorize(Policy = nameof(Permission.ReadIncidents))]
    public override async Task<V1.UnitRosterInfo> GetUnitRoster(V1.UnitRequest request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var unit = KnownUnit(request.Unit);
        if (!Access.SeesWholeDistrict(who) && who.Unit != unit)
            throw Problems.Refused(
                StatusCode.PermissionDenied,
                Problems.Reasons.PermissionDenied,
                $"{who.UserId} may read only the roster of unit {who.Unit}"
            );
        return ToInfo(
            await grains.GetGrain<IUnitGrain>(unit).GetRosterAsync()
                ?? throw Problems.Refused(
                    StatusCode.NotFound,
                    Problems.Reasons.NotFound,
                    $"unit {unit} has no roster",
                    "unit"
                )
        );
    }

    [Authorize(Policy = nameof(Permission.ManageRoster))]
    public override async Task<V1.UnitRosterInfo> UpdateUnitRoster(V1.UnitRosterInfo request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var unit = KnownUnit(request.Unit);
        if (who.Role != Role.Administrator && who.Unit != unit)
            throw Problems.Refused(
                StatusCode.PermissionDenied,
                Problems.Reasons.PermissionDenied,
                $"{who.UserId} may change only the roster of unit {who.Unit}"
            );
        var roster = FromInfo(request);
        var problems = await grains.GetGrain<IUnitGrain>(unit).UpdateRosterAsync(roster);
        if (problems.Count > 0)
            throw Problems.Invalid(problems[0].Field, problems[0].Problem);
        people.Learn(roster);
        return ToInfo(roster);
    }

    [Authorize(Policy = nameof(Permission.Handle))]
    public override async Task<V1.DutyState> ReportDuty(V1.DutyReport request, ServerCallContext context)
    {
        var who = Caller.Of(context);
        var unit =
            who.Unit
            ?? throw Problems.Refused(
                StatusCode.PermissionDenied,
                Problems.Reasons.PermissionDenied,
                $"{who.UserId} belongs to no unit"
            );
        WorkerStatus? status = null;
        if (request.Status is { Length: > 0 })
            status =
                System.Enum.TryParse<WorkerStatus>(request.Status, out var s) && System.Enum.IsDefined(s)
                    ? s
                    : throw Problems.Invalid(
                        "status",
                        $"'{request.Status}' is not one of {string.Join(", ", System.Enum.GetNames<WorkerStatus>())}"
                    );
        WorkerPosition? position = request.Position is { } p
            ? new WorkerPosition(new GeoPoint(p.Lat, p.Lon), request.AccuracyM, DateTimeOffset.UtcNow)
            : null;
        var grain = grains.GetGrain<IUnitGrain>(unit);
        if (await grain.ReportAsync(who.UserId, status, position) is { } problem)
            throw Problems.Invalid(problem.Field, problem.Problem);
        var me = (await grain.PeopleAsync()).First(x => x.Person.UserId == who.UserId);
        return new V1.DutyState
        {
            UserId = who.UserId,
            Unit = unit,
            Status = me.Status.ToString(),
            OpenTasks = me.OpenTasks,
        };
    }

    [Authorize(Policy = nameof(Permission.Dispatch))]
    public override async Task<V1.PeopleReply> ListPeople(V1.PeopleRequest request, ServerCallContext context)
    {
        Caller.Of(context);
        var units =
            request.Units.Count > 0
                ? request.Units.Select(KnownUnit).Distinct().ToList()
                : [.. catalog.Units.Select(u => u.Code)];
        var lists = await Task.WhenAll(units.Select(u => grains.GetGrain<IUnitGrain>(u).PeopleAsync()));
        var reply = new V1.PeopleReply();
        reply.People.AddRange(
            lists
                .SelectMany(l => l)
                .Select(p => new V1.PersonInfo
                {
                    UserId = p.Person.UserId,
                    Name = p.Person.Name,
                    Unit = p.Person.Unit,
                    Role = p.Person.Role.ToString(),
                    Status = p.Status.ToString(),
                    OpenTasks = p.OpenTasks,
                    Position = p.Position is { } fix
                        ? new V1.GeoPoint { Lat = fix.Point.Lat, Lon = fix.Point.Lon }
                        : null,
                    AccuracyM = p.Position?.AccuracyMetres ?? 0,
                    PositionAt = p.Position is { } at ? Timestamp.FromDateTimeOffset(at.At) : null,
                })
        );
        return reply;
    }

    private string KnownUnit(string? unit) =>
        catalog.FindUnit(unit?.Trim()) is { } known
            ? known.Code
            : throw Problems.Invalid("unit", $"'{unit}' is not a unit of the catalog");

    private static V1.UnitRosterInfo ToInfo(UnitRoster roster)
    {
        var info = new V1.UnitRosterInfo
        {
            Unit = roster.Unit,
            DutyOfficer = roster.DutyOfficer,
            Head = roster.Head ?? "",
        };
        info.Staff.AddRange(
            roster.Staff.Select(s =>
            {
                var staff = new V1.StaffInfo
                {
                    UserId = s.UserId,
                    Name = s.Name,
                    Role = s.Role.ToString(),
                };
                staff.Shifts.AddRange(
                    s.Shifts.Select(shift =>
                    {
                        var info = new V1.ShiftInfo
                        {
                            Start = shift.Start.ToString("HH:mm", CultureInfo.InvariantCulture),
                            End = shift.End.ToString("HH:mm", CultureInfo.InvariantCulture),
                        };
                        info.Days.AddRange(shift.Days.Select(d => d.ToString()));
                        return info;
                    })
                );
                return staff;
            })
        );
        return info;
    }

    private static UnitRoster FromInfo(V1.UnitRosterInfo info) =>
        new(
            info.Unit.Trim(),
            info.DutyOfficer.Trim(),
            string.IsNullOrWhiteSpace(info.Head) ? null : info.Head.Trim(),
            [
                .. info.Staff.Select(
                    (s, i) =>
                        new StaffMember(
                            s.UserId.Trim(),
                            s.Name.Trim(),
                            info.Unit.Trim(),
                            System.Enum.TryParse<StaffRole>(s.Role, out var role) && System.Enum.IsDefined(role)
                                ? role
                                : throw Problems.Invalid(
                                    $"staff[{i}].role",
                                    $"'{s.Role}' is not one of {string.Join(", ", System.Enum.GetNames<StaffRole>())}"
                                ),
                            [
                                .. s.Shifts.Select(
                                    (shift, j) =>
                                        new Shift(
                                            [
                                                .. shift.Days.Select(d =>
                                                    System.Enum.TryParse<DayOfWeek>(d, out var day)
                                                        ? day
                                                        : throw Problems.Invalid(
                                                            $"staff[{i}].shifts[{j}].days",
                                                            $"'{d}' is not a day of the week"
                                                        )
                                                ),
                                            ],
                                            Time(shift.Start, $"staff[{i}].shifts[{j}].start"),
                                            Time(shift.End, $"staff[{i}].shifts[{j}].end")
                                        )
                                ),
                            ]
                        )
                ),
            ]
        );

    private static TimeOnly Time(string text, string field) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw Problems.Invalid(field, $"'{text}' is not a time HH:mm");
}
