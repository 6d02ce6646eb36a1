using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Domain;

namespace Dispatch.Abstractions;

/// <summary>
/// The JSON contracts of what Dispatch stores and streams, generated at compile time (no reflection at run time):
/// incident records and their timelines, event stream entries, alerts, incidents as the read model keeps them and their
/// evaluation facts, commands and results crossing a grain boundary as JSON.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IncidentRecord))]
[JsonSerializable(typeof(IncidentEvent))]
[JsonSerializable(typeof(IncidentEvent[]))]
[JsonSerializable(typeof(IReadOnlyList<IncidentEvent>))]
[JsonSerializable(typeof(IncidentCommand))]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(IncidentFacts))]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(AlertAck))]
[JsonSerializable(typeof(Device))]
[JsonSerializable(typeof(DedupEntry))]
[JsonSerializable(typeof(Refusal))]
[JsonSerializable(typeof(FieldProblem))]
[JsonSerializable(typeof(UnitRoster))]
[JsonSerializable(typeof(DutyPick))]
[JsonSerializable(typeof(WorkerPosition))]
public sealed partial class DispatchJsonContext : JsonSerializerContext;
