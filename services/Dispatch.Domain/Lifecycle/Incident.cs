using System.Collections.Immutable;

namespace Dispatch.Domain;

/// <summary>
/// The current state of one incident (案件), folded from its timeline by <see cref="Lifecycle.Evolve"/>.
/// Immutable: a command produces events, and the events produce the next state.
/// </summary>
public sealed record Incident
{
    public required string Number { get; init; }

    /// <summary>The sequence number of the last event applied.</summary>
    public long Version { get; init; }
    public IncidentState State { get; init; }
    public required string Scenario { get; init; }
    public required string Type { get; init; }
    public Priority Priority { get; init; }
    public Channel Channel { get; init; }
    public required string Street { get; init; }
    public GeoPoint? Location { get; init; }
    public required string Description { get; init; }
    public Reporter? Reporter { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
    public DateTimeOffset ObservedAt { get; init; }
    public string? SourceRef { get; init; }

    /// <summary>The time each stage is allotted, fixed when the incident was reported.</summary>
    public ImmutableDictionary<Stage, TimeAllotment> Allotments { get; init; } =
        ImmutableDictionary<Stage, TimeAllotment>.Empty;
    public ClosingConditions Closing { get; init; } = ClosingConditions.None;
    public ImmutableList<Assignment> Assignments { get; init; } = [];

    /// <summary>The deadline clocks of the stages now under way.</summary>
    public ImmutableList<StageClock> Clocks { get; init; } = [];
    public EscalationLevel Escalation { get; init; }

    /// <summary>挂账: on the register of cases that cannot be fixed now; the clocks are paused.</summary>
    public bool Deferred { get; init; }
    public string? MergedInto { get; init; }
    public ImmutableList<string> MergedFrom { get; init; } = [];
    public Evaluation? Evaluation { get; init; }

    /// <summary>When it was last closed or dismissed; the reopen window counts from here.</summary>
    public DateTimeOffset? EndedAt { get; init; }
    public int Returns { get; init; }
    public int Reworks { get; init; }
    public int Reopens { get; init; }

    /// <summary>How often it was reclassified (改类) to another type or priority.</summary>
    public int Reclassifications { get; init; }

    /// <summary>How often a dispatcher withdrew an assignment (撤回), or moved it elsewhere (改派).</summary>
    public int Recalls { get; init; }

    public Assignment? Lead => Assignments.FirstOrDefault(a => a.IsLead);

    /// <summary>Still to be dealt with: not closed, dismissed or merged.</summary>
    public bool IsOpen => State is not (IncidentState.Closed or IncidentState.Dismissed or IncidentState.Merged);

    public Assignment? AssignmentOf(string unit) => Assignments.FirstOrDefault(a => a.Unit == unit);

    public StageClock? Clock(Stage stage) => Clocks.FirstOrDefault(c => c.Stage == stage);

    /// <summary>Handled means the lead unit and every co-unit assignment are handled (协同处置).</summary>
    public bool AllAssignmentsHandled =>
        Assignments.Count > 0 && Assignments.All(a => a.State == AssignmentState.Handled);
}
