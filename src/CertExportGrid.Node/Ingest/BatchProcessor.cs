using System.Diagnostics;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;
using CertExportGrid.Node.Diagnostics;

namespace CertExportGrid.Node.Ingest;

/// <summary>
/// Applies one batch: classify every event, group the accepted ones by (dest, subject), make one
/// grain call per key, and build the acknowledgement only after every call has persisted.
/// </summary>
public sealed class BatchProcessor(IGrainFactory grains, ProtoEventMapper mapper, NodeMetrics metrics, ILogger<BatchProcessor> logger)
{
    public async Task<BatchAck> ProcessAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ack = new BatchAck { BatchId = batch.BatchId };
        var groups = new Dictionary<string, KeyGroup>(StringComparer.Ordinal);

        for (var index = 0; index < batch.Events.Count; index++)
        {
            switch (mapper.Classify(batch.Events[index]))
            {
                case Classification.Accepted accepted:
                    var key = new FindingKey(accepted.Event.Dest, accepted.Event.Subject).Encode();
                    if (!groups.TryGetValue(key, out var group))
                    {
                        groups.Add(key, group = new KeyGroup());
                    }

                    group.Indexes.Add(index);
                    group.Observations.Add(ProtoEventMapper.ToObservation(accepted.Event));
                    break;
                case Classification.Ignored ignored:
                    ack.Ignored++;
                    metrics.EventIgnored(ignored.Reason);
                    break;
                case Classification.Rejected rejected:
                    ack.Rejected.Add(new EventRejection { Index = (uint)index, Reason = (RejectReason)rejected.Code, Message = rejected.Message });
                    metrics.EventRejected(rejected.Code);
                    NodeLog.EventRejected(logger, batch.BatchId, index, rejected.Code, rejected.Message);
                    break;
            }
        }

        await Task.WhenAll(groups.Select(pair => ApplyAsync(pair.Key, pair.Value)));
        cancellationToken.ThrowIfCancellationRequested();

        foreach (var group in groups.Values)
        {
            if (group.Failure is null)
            {
                ack.Accepted += (uint)group.Indexes.Count;
                ack.Duplicates += (uint)group.Result.Duplicates;
                metrics.EventsAccepted(group.Result.Applied, group.Result.Duplicates);
                continue;
            }

            foreach (var index in group.Indexes)
            {
                ack.Rejected.Add(new EventRejection
                {
                    Index = (uint)index,
                    Reason = RejectReason.Unavailable,
                    Message = $"Not applied, send again: {group.Failure.GetType().Name}: {group.Failure.Message}",
                    Retryable = true,
                });
            }

            metrics.EventsUnavailable(group.Indexes.Count);
        }

        if (ack.Rejected.Count > 1)
        {
            var ordered = ack.Rejected.OrderBy(rejection => rejection.Index).ToList();
            ack.Rejected.Clear();
            ack.Rejected.AddRange(ordered);
        }

        metrics.BatchAcknowledged(Stopwatch.GetElapsedTime(started));
        return ack;
    }

    private async Task ApplyAsync(string key, KeyGroup group)
    {
        try
        {
            group.Result = await grains.GetGrain<IExportFindingGrain>(key).Apply([.. group.Observations]);
        }
        catch (Exception exception)
        {
            // Reported per event as retryable; the other keys of the batch are unaffected.
            group.Failure = exception;
            NodeLog.ApplyFailed(logger, exception, group.Observations.Count);
        }
    }

    private sealed class KeyGroup
    {
        public List<int> Indexes { get; } = [];
        public List<ExportObservation> Observations { get; } = [];
        public ApplyResult Result { get; set; }
        public Exception? Failure { get; set; }
    }
}
