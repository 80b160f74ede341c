using System.Diagnostics;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;
using CertExportGrid.Node.Diagnostics;
using CertExportGrid.Node.Security;

namespace CertExportGrid.Node.Ingest;

/// <summary>
/// Applies one batch: classify every event, group the accepted ones by (dest, subject), make one
/// grain call per key (merged with other batches' calls for that key when one is already in flight,
/// see <see cref="GrainCallCoalescer"/>), and build the acknowledgement only after every call has persisted.
/// </summary>
public sealed class BatchProcessor(
    GrainCallCoalescer coalescer,
    ProtoEventMapper mapper,
    NodeMetrics metrics,
    SecurityMetrics securityMetrics,
    ILogger<BatchProcessor> logger)
{
    /// <summary>
    /// Applies a batch for the stream's caller: events beyond the stream's or identity's budget are
    /// rejected unparsed (RATE_LIMITED, retryable); accepted events for a host the caller may not
    /// speak for are rejected PERMISSION_DENIED_HOST; events over a (dest, subject) budget RATE_LIMITED.
    /// </summary>
    public async Task<BatchAck> ProcessAsync(EventBatch batch, IngestSession session, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ack = new BatchAck { BatchId = batch.BatchId };
        // Grouped by the (dest, subject) pair itself; each group encodes its grain key once, not
        // every event (the encoded key is a new string of both parts: ~4 % of what a pre-parsed
        // event allocated).
        var groups = new Dictionary<FindingKey, KeyGroup>();
        var caller = session.Caller;
        var admitted = session.Admit(batch.Events.Count, out var refusal);
        if (admitted < batch.Events.Count)
        {
            RateLimited(ack, caller, admitted, batch.Events.Count, refusal);
        }

        var hostDenied = 0;
        string? firstDeniedHost = null;
        var keyLimited = 0;
        for (var index = 0; index < admitted; index++)
        {
            switch (mapper.Classify(batch.Events[index]))
            {
                case Classification.Accepted accepted:
                    if (!caller.Hosts.Allows(accepted.Event.Dest))
                    {
                        hostDenied++;
                        firstDeniedHost ??= accepted.Event.Dest;
                        ack.Rejected.Add(new EventRejection
                        {
                            Index = (uint)index,
                            Reason = RejectReason.PermissionDeniedHost,
                            Message = $"Identity '{caller.Name}' may not send events for Computer '{accepted.Event.Dest}' (not in its Hosts).",
                        });
                        break;
                    }

                    var findingKey = new FindingKey(accepted.Event.Dest, accepted.Event.Subject);
                    if (!groups.TryGetValue(findingKey, out var group))
                    {
                        groups.Add(findingKey, group = new KeyGroup(findingKey.Encode()));
                    }

                    group.Indexes.Add(index);
                    group.Observations.Add(ProtoEventMapper.ToObservation(accepted.Event, caller.Name));
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

        foreach (var group in groups.Values)
        {
            keyLimited += KeyLimit(group, session, ack);
        }

        if (hostDenied > 0)
        {
            securityMetrics.HostDenied(hostDenied);
            SecurityLog.HostDenied(logger, caller.Name, hostDenied, firstDeniedHost!);
        }

        if (keyLimited > 0)
        {
            securityMetrics.RateLimited(keyLimited, "key");
            SecurityLog.RateLimited(logger, caller.Name, keyLimited, "key");
        }

        // A group can be empty: every one of its events was over the key's rate limit.
        await Task.WhenAll(groups.Values.Where(group => group.Indexes.Count > 0).Select(ApplyAsync));
        cancellationToken.ThrowIfCancellationRequested();

        foreach (var group in groups.Values)
        {
            if (group.Indexes.Count == 0)
            {
                continue;
            }

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

    private void RateLimited(BatchAck ack, Caller caller, int admitted, int count, RateRefusal refusal)
    {
        AddRateLimited(ack, refusal, count - admitted, position => (uint)(admitted + position));
        securityMetrics.RateLimited(count - admitted, refusal.Kind);
        SecurityLog.RateLimited(logger, caller.Name, count - admitted, refusal.Limit);
    }

    /// <summary>
    /// Rejects <paramref name="over"/> events as RATE_LIMITED, each with its own slot in
    /// retry_after_ms (see <see cref="RateRefusal"/>); the message states the limit and the range.
    /// </summary>
    private static void AddRateLimited(BatchAck ack, RateRefusal refusal, int over, Func<int, uint> indexOf)
    {
        var first = RetryMs(refusal.WaitFor(0));
        var last = RetryMs(refusal.WaitFor(over - 1));
        var message = over == 1
            ? $"Rate limited: {refusal.Limit}; retry after {first} ms."
            : $"Rate limited: {refusal.Limit}; {over} event(s) of this batch over it, each with its own retry time as the budget refills: after {first} to {last} ms.";
        for (var position = 0; position < over; position++)
        {
            ack.Rejected.Add(new EventRejection
            {
                Index = indexOf(position),
                Reason = RejectReason.RateLimited,
                Message = message,
                Retryable = true,
                RetryAfterMs = RetryMs(refusal.WaitFor(position)),
            });
        }
    }

    /// <summary>
    /// Takes the group's events from its (dest, subject) budget in one step; the events beyond it
    /// (the group's last ones, as if taken one by one in batch order) are rejected RATE_LIMITED and
    /// leave the group. Returns how many were rejected.
    /// </summary>
    private static int KeyLimit(KeyGroup group, IngestSession session, BatchAck ack)
    {
        var wanted = group.Indexes.Count;
        var granted = session.TakeKeyEvents(group.Key, wanted, out var refusal);
        if (granted == wanted)
        {
            return 0;
        }

        AddRateLimited(ack, refusal, wanted - granted, position => (uint)group.Indexes[granted + position]);
        group.Indexes.RemoveRange(granted, wanted - granted);
        group.Observations.RemoveRange(granted, wanted - granted);
        return wanted - granted;
    }

    private static uint RetryMs(TimeSpan wait) => (uint)Math.Clamp(Math.Ceiling(wait.TotalMilliseconds), 1, uint.MaxValue);

    private async Task ApplyAsync(KeyGroup group)
    {
        try
        {
            group.Result = await coalescer.ApplyAsync(group.Key, [.. group.Observations]);
        }
        catch (Exception exception)
        {
            // Reported per event as retryable; the other keys of the batch are unaffected.
            group.Failure = exception;
            NodeLog.ApplyFailed(logger, exception, group.Observations.Count);
        }
    }

    private sealed class KeyGroup(string key)
    {
        /// <summary>The encoded grain key (<see cref="FindingKey.Encode"/>).</summary>
        public string Key { get; } = key;

        public List<int> Indexes { get; } = [];
        public List<ExportObservation> Observations { get; } = [];
        public ApplyResult Result { get; set; }
        public Exception? Failure { get; set; }
    }
}
