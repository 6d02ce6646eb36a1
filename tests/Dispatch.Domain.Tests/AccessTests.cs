using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class AccessTests
{
    private static Incident Dispatched(string street = "CSL", string? worker = "green.w1")
    {
        var desk = new Desk(street: street);
        desk.Report();
        desk.File();
        return desk.Do(new DispatchIncident(desk.Id(), Desk.Dispatcher, "GREEN", ["CSL"], worker));
    }

    [Theory]
    [InlineData(Role.Dispatcher, Permission.Dispatch, true)]
    [InlineData(Role.Dispatcher, Permission.Review, false)]
    [InlineData(Role.Reviewer, Permission.Review, true)]
    [InlineData(Role.Reviewer, Permission.Dispatch, false)]
    [InlineData(Role.Worker, Permission.Handle, true)]
    [InlineData(Role.Worker, Permission.Dispatch, false)]
    [InlineData(Role.Auditor, Permission.ReadFigures, true)]
    [InlineData(Role.Auditor, Permission.Note, false)]
    [InlineData(Role.Auditor, Permission.Triage, false)]
    [InlineData(Role.Administrator, Permission.ReadAccessLog, true)]
    [InlineData(Role.Citizen, Permission.ReadIncidents, false)]
    [InlineData(Role.Gateway, Permission.ReadIncidents, false)]
    public void Function_level_grants_follow_the_role(Role role, Permission permission, bool allowed) =>
        Assert.Equal(allowed, Access.May(new Principal("u", role, "OPS"), permission));

    [Fact]
    public void A_worker_sees_and_handles_only_what_is_given_to_them()
    {
        var incident = Dispatched(worker: "green.w1");
        var theirs = new Principal("green.w1", Role.Worker, "GREEN");
        var colleague = new Principal("green.w2", Role.Worker, "GREEN");

        Assert.True(Access.CanSee(theirs, incident));
        Assert.True(Access.MayHandle(theirs, incident, "GREEN"));
        Assert.False(Access.MayHandle(theirs, incident, "CSL"));
        Assert.False(Access.CanSee(colleague, incident));
        Assert.False(Access.MayHandle(colleague, incident, "GREEN"));
    }

    [Fact]
    public void Unit_staff_see_their_unit_s_assignments_and_a_street_office_its_area()
    {
        var incident = Dispatched(street: "GQL", worker: null);

        Assert.True(Access.CanSee(new Principal("s", Role.UnitStaff, "GREEN"), incident));
        Assert.True(
            Access.CanSee(new Principal("s", Role.UnitStaff, "CSL"), incident),
            "CSL holds the co-unit assignment"
        );
        Assert.True(
            Access.CanSee(new Principal("s", Role.UnitStaff, "GQL", ["GQL"]), incident),
            "the incident lies in GQL's area"
        );
        Assert.False(Access.CanSee(new Principal("s", Role.UnitStaff, "FIRE"), incident));
        Assert.False(Access.CanSee(new Principal("s", Role.UnitStaff, "WL", ["WL"]), incident));
        Assert.True(Access.CanSee(new Principal("a", Role.Auditor), incident));
    }

    [Fact]
    public void Masking_keeps_the_first_character_of_names_and_the_ends_of_numbers()
    {
        Assert.Equal("张**", Masking.Name("张三丰"));
        Assert.Equal("*", Masking.Name("张"));
        Assert.Equal("138******78", Masking.Digits("13812345678"));
        Assert.Equal(
            "住址 310*************34 电话 139******11，3号楼",
            Masking.Text("住址 310101199001011234 电话 13900001111，3号楼")
        );
        Assert.Equal("31010119900101123X".Length, Masking.Text("31010119900101123X").Length);
        Assert.DoesNotContain("0101199", Masking.Text("31010119900101123X"));
        Assert.Equal(new GeoPoint(31.241, 121.442), Masking.Coarse(new GeoPoint(31.2412345, 121.4416789)));
    }

    [Fact]
    public void Masking_applies_to_personal_data_scenarios_for_roles_that_do_not_handle_cases()
    {
        var relief = new Desk(type: "RELIEF_URGENT").Report();
        var shop = new Desk().Report();
        var auditor = new Principal("a", Role.Auditor);

        Assert.True(Masking.Applies(auditor, relief, Desk.Catalog));
        Assert.True(Masking.Applies(new Principal("x", Role.Administrator), relief, Desk.Catalog));
        Assert.False(Masking.Applies(auditor, shop, Desk.Catalog));
        Assert.False(Masking.Applies(new Principal("d", Role.Dispatcher, "OPS"), relief, Desk.Catalog));
        var masked = Masking.Mask(relief);
        Assert.Equal("张*", masked.Reporter!.Name);
        Assert.Equal("138******00", masked.Reporter.Phone);
    }

    [Fact]
    public void A_masked_timeline_hides_people_in_every_event_that_names_them()
    {
        var desk = new Desk(type: "RELIEF_URGENT");
        desk.Report();
        desk.Do(new AddNote(desk.Id(), Desk.Dispatcher, "called 13912345678"));
        desk.Do(
            new DismissIncident(
                desk.Id(),
                Desk.Dispatcher,
                DismissalGround.Duplicate,
                "same as the case of 13912345678"
            )
        );

        var masked = Masking.Mask(desk.Timeline);

        Assert.Equal("张*", ((IncidentReported)masked[0]).Reporter!.Name);
        Assert.Equal("called 139******78", ((NoteAdded)masked[1]).Text);
        Assert.Equal("same as the case of 139******78", masked[2].Reason);
        Assert.Equal(desk.Timeline.Select(e => e.Seq), masked.Select(e => e.Seq));
    }
}
