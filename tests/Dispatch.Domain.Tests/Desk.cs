using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

/// <summary>Drives one incident through the lifecycle in tests, as a dispatcher's desk would.</summary>
public sealed class Desk(Lifecycle lifecycle, string type = "SHOP_BIN_OVERFLOW", string street = "CSL")
{
    public static readonly Catalog Catalog = CatalogLoader.Load(CatalogLoader.DefaultDirectory());
    public static readonly Actor Dispatcher = new("d.li", Role.Dispatcher, "OPS");
    public static readonly Actor Reviewer = new("r.wang", Role.Reviewer, "OPS");

    public static Actor StaffOf(string unit) => new($"staff.{unit}", Role.UnitStaff, unit);

    private int _next;

    public Desk(string type = "SHOP_BIN_OVERFLOW", string street = "CSL")
        : this(new Lifecycle(Catalog), type, street) { }

    public const string CoUnit = "CSL";
    public string Number { get; } = "PT-20261130-000001";
    public Incident? Incident { get; private set; }
    public List<IncidentEvent> Timeline { get; } = [];

    /// <summary>Monday 30 November 2026, 10:00 in Shanghai.</summary>
    public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(8));

    public string Id() => $"cmd-{++_next}";

    public Outcome Try(IncidentCommand command)
    {
        var outcome = lifecycle.Execute(Number, Incident, command, Now);
        if (outcome.IsAccepted)
        {
            Incident = outcome.Incident;
            Timeline.AddRange(outcome.Events);
        }
        return outcome;
    }

    public Incident Do(IncidentCommand command)
    {
        var outcome = Try(command);
        Assert.True(outcome.IsAccepted, outcome.Refusal?.Message);
        return Incident!;
    }

    public Incident Report(Channel channel = Channel.Hotline, double? confidence = null) =>
        Do(
            new ReportIncident(
                Id(),
                Dispatcher,
                type,
                channel,
                street,
                "bin overflowing at the corner",
                new GeoPoint(31.24, 121.44),
                new Reporter("张三", "13800000000"),
                Now,
                confidence
            )
        );

    public Incident File() => Do(new FileIncident(Id(), Dispatcher));

    public Incident Dispatch(string? lead = null, params string[] coUnits) =>
        Do(new DispatchIncident(Id(), Dispatcher, lead, lead is null ? null : coUnits));

    public Incident Accept(string unit) => Do(new AcceptAssignment(Id(), StaffOf(unit), unit, $"worker.{unit}"));

    public Incident Arrive(string unit) => Do(new ArriveOnSite(Id(), StaffOf(unit), unit, new GeoPoint(31.24, 121.44)));

    public Incident Submit(string unit) =>
        Do(new SubmitResult(Id(), StaffOf(unit), unit, "cleared", ["photo://1.jpg"], new GeoPoint(31.24, 121.44)));

    public Incident Approve(int rating = 5) => Do(new ApproveReview(Id(), Reviewer, new Evaluation(rating, "good")));

    public Incident Rework() => Do(new RequestRework(Id(), Reviewer, "photo does not show the bin"));

    /// <summary>Brings the incident to a resting state by the shortest legal path.</summary>
    public Incident To(IncidentState state)
    {
        Report();
        if (state == IncidentState.Reported)
            return Incident!;
        if (state == IncidentState.Dismissed)
            return Do(new DismissIncident(Id(), Dispatcher, DismissalGround.FalseAlarm, "camera glare"));
        if (state == IncidentState.Merged)
            return Do(new MergeIncident(Id(), Dispatcher, "PT-20261130-000002", "same bin"));
        File();
        if (state == IncidentState.Filed)
            return Incident!;
        // The lead unit GREEN moves the incident on; the co-unit CSL stays dispatched until the review needs it.
        var lead = Dispatch("GREEN", CoUnit).Lead!.Unit;
        if (state == IncidentState.Dispatched)
            return Incident!;
        if (state == IncidentState.Returned)
            return Do(new ReturnAssignment(Id(), StaffOf(lead), lead, "not ours"));
        Accept(lead);
        if (state == IncidentState.Accepted)
            return Incident!;
        Arrive(lead);
        if (state == IncidentState.InProgress)
            return Incident!;
        Submit(lead);
        Accept(CoUnit);
        Arrive(CoUnit);
        Submit(CoUnit);
        if (state == IncidentState.UnderReview)
            return Incident!;
        Approve();
        if (state == IncidentState.Closed)
            return Incident!;
        throw new ArgumentOutOfRangeException(nameof(state), state, "not a resting state");
    }
}
