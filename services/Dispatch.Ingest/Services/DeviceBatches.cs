using Domain = Dispatch.Domain;

namespace Dispatch.Ingest.Services;

/// <summary>
/// The alerts of one stream gathered per device while the stream has more ready to read; each device's go as one
/// call when <see cref="Send"/> runs (the stream has nothing more ready, or its window is full). A device repeating
/// itself in a storm then costs one call and one write for the lot, and each alert is still answered on its own.
/// Used by the one loop that reads the stream, so it needs no locks.
/// </summary>
public sealed class DeviceBatches(Func<string, IReadOnlyList<Domain.Alert>, Task<IReadOnlyList<Domain.AlertAck>>> send)
{
    private readonly Dictionary<string, Batch> _gathering = [];

    public Task<Domain.AlertAck> Add(Domain.Alert alert)
    {
        if (!_gathering.TryGetValue(alert.DeviceId, out var batch))
            _gathering[alert.DeviceId] = batch = new Batch();
        var answer = new TaskCompletionSource<Domain.AlertAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        batch.Alerts.Add(alert);
        batch.Answers.Add(answer);
        return answer.Task;
    }

    /// <summary>Sends each device's gathered alerts; their answers complete as the devices reply.</summary>
    public void Send()
    {
        foreach (var (device, batch) in _gathering)
            _ = SendAsync(device, batch);
        _gathering.Clear();
    }

    private async Task SendAsync(string device, Batch batch)
    {
        try
        {
            var acks = await send(device, batch.Alerts);
            if (acks.Count != batch.Answers.Count)
                throw new InvalidOperationException(
                    $"device {device} gave {acks.Count} answers to {batch.Answers.Count} alerts"
                );
            for (var i = 0; i < acks.Count; i++)
                batch.Answers[i].SetResult(acks[i]);
        }
        catch (Exception e)
        {
            foreach (var answer in batch.Answers)
                answer.TrySetException(e);
        }
    }

    private sealed class Batch
    {
        public List<Domain.Alert> Alerts { get; } = [];
        public List<TaskCompletionSource<Domain.AlertAck>> Answers { get; } = [];
    }
}
