using System.Text.Json;
using Dispatch.Contracts;
using Dispatch.Domain;
using StackExchange.Redis;

namespace Dispatch.Grains;

/// <summary>The alert record as a Redis Stream (fields alert_id, device, gateway, disposition, incident, alert), written in one pipelined batch.</summary>
public sealed class RedisAlertLog(IConnectionMultiplexer redis, RedisKeys keys) : IAlertLog
{
    public async Task AppendAsync(IReadOnlyList<(Alert Alert, AlertAck Ack)> alerts)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = alerts.Select(a => batch.StreamAddAsync(keys.Alerts,
        [
            new("alert_id", a.Alert.AlertId), new("device", a.Alert.DeviceId), new("gateway", a.Alert.GatewayId),
            new("disposition", a.Ack.Disposition.ToString()), new("incident", a.Ack.IncidentNumber ?? ""),
            new("alert", JsonSerializer.Serialize(a.Alert, DispatchSerialization.Json)),
        ])).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }
}
