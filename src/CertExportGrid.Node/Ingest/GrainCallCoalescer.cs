using CertExportGrid.Grains;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Ingest;

/// <summary>
/// Merges this gateway's concurrent Apply calls for the same (dest, subject) into one grain call.
/// A finding grain handles one call at a time and each call costs a state write and a published
/// update, so while a call for a key is in flight, the groups other batches bring for that key wait
/// here and then go together in the next call: one write and one update for all of them, instead of
/// one each queued in the grain's mailbox. With no contention a call goes out at once, unchanged.
/// </summary>
/// <remarks>
/// Each submitter still gets only its own outcome: the grain reports duplicate positions, which
/// are split back per submission. A failed call fails every submission in it; none of them was
/// applied (the grain drops an activation whose write failed), so all are retryable.
/// </remarks>
public sealed class GrainCallCoalescer(FindingGrains grains, IOptions<IngestOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Applies <paramref name="observations"/> to the grain of <paramref name="key"/>, durably.</summary>
    public Task<ApplyResult> ApplyAsync(string key, ExportObservation[] observations)
    {
        var submission = new Submission(observations);
        Lane? lane;
        lock (_gate)
        {
            if (_lanes.TryGetValue(key, out lane))
            {
                lane.Waiting.Enqueue(submission);
                return submission.Completion.Task;
            }

            _lanes.Add(key, lane = new Lane());
        }

        _ = RunAsync(key, lane, [submission]);
        return submission.Completion.Task;
    }

    /// <summary>Keys with a call in flight right now; a lane is removed when its key goes idle.</summary>
    internal int ActiveKeys
    {
        get
        {
            lock (_gate)
            {
                return _lanes.Count;
            }
        }
    }

    private async Task RunAsync(string key, Lane lane, List<Submission> group)
    {
        var grain = grains.Get(key);
        while (true)
        {
            try
            {
                var result = await grain.Apply(Merge(group));
                Split(result, group);
            }
            catch (Exception exception)
            {
                foreach (var submission in group)
                {
                    submission.Completion.TrySetException(exception);
                }
            }

            lock (_gate)
            {
                if (lane.Waiting.Count == 0)
                {
                    _lanes.Remove(key);
                    return;
                }

                group = TakeNext(lane.Waiting, options.Value.MaxEventsPerGrainCall);
            }
        }
    }

    /// <summary>At least one waiting submission, then more while the call stays within the cap.</summary>
    private static List<Submission> TakeNext(Queue<Submission> waiting, int cap)
    {
        var next = new List<Submission> { waiting.Dequeue() };
        var total = next[0].Observations.Length;
        while (waiting.TryPeek(out var candidate) && total + candidate.Observations.Length <= cap)
        {
            next.Add(waiting.Dequeue());
            total += candidate.Observations.Length;
        }

        return next;
    }

    private static ExportObservation[] Merge(List<Submission> group)
    {
        if (group.Count == 1)
        {
            return group[0].Observations;
        }

        var merged = new ExportObservation[group.Sum(submission => submission.Observations.Length)];
        var offset = 0;
        foreach (var submission in group)
        {
            submission.Observations.CopyTo(merged, offset);
            offset += submission.Observations.Length;
        }

        return merged;
    }

    /// <summary>Gives each submission the duplicates that fell within its own range of the merged call.</summary>
    internal static void Split(ApplyResult result, List<Submission> group)
    {
        if (group.Count == 1)
        {
            group[0].Completion.TrySetResult(result);
            return;
        }

        var positions = result.DuplicatePositions ?? [];
        var next = 0;
        var offset = 0;
        foreach (var submission in group)
        {
            var end = offset + submission.Observations.Length;
            List<int>? own = null;
            while (next < positions.Length && positions[next] < end)
            {
                (own ??= []).Add(positions[next] - offset);
                next++;
            }

            var duplicates = own?.Count ?? 0;
            submission.Completion.TrySetResult(new ApplyResult(submission.Observations.Length - duplicates, duplicates, result.Version, own?.ToArray()));
            offset = end;
        }
    }

    internal sealed class Submission(ExportObservation[] observations)
    {
        public ExportObservation[] Observations { get; } = observations;

        // Asynchronous continuations: completing one batch's wait must not run that batch's
        // remaining work on this lane's loop, which would hold up the next call for the key.
        public TaskCompletionSource<ApplyResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane
    {
        public Queue<Submission> Waiting { get; } = new();
    }
}
