using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Delivery;

/// <summary>Where the events to deliver come from: files read once (replay) or followed (tail).</summary>
internal interface IEventSource
{
    /// <summary>No event will ever come again (every file read to its end).</summary>
    bool Completed { get; }

    /// <summary>When <see cref="Read"/> had nothing and the source is not complete, look again after this long.</summary>
    TimeSpan PollInterval { get; }

    /// <summary>The progress of every file currently read, for the checkpoint.</summary>
    IReadOnlyList<FileCursor> Cursors { get; }

    /// <summary>
    /// Up to <paramref name="max"/> events and <paramref name="maxBytes"/> bytes (<see cref="PendingEvent.WireSize"/>),
    /// in file order; one event larger than <paramref name="maxBytes"/> comes alone. Empty when none is available right now.
    /// </summary>
    IReadOnlyList<PendingEvent> Read(int max, long maxBytes);
}

/// <summary>Fills a batch from a queue of read events, within a count and a byte budget.</summary>
internal static class BatchLimits
{
    /// <summary>Moves events from <paramref name="buffer"/> to <paramref name="batch"/> while both limits allow; returns false when the batch is full.</summary>
    public static bool Fill(Queue<PendingEvent> buffer, List<PendingEvent> batch, ref long bytes, int max, long maxBytes)
    {
        while (buffer.TryPeek(out var next))
        {
            if (batch.Count >= max)
                return false;
            var size = next.WireSize;
            if (batch.Count > 0 && bytes + size > maxBytes)
                return false; // a too-large event still goes, alone, in the next batch
            batch.Add(buffer.Dequeue());
            bytes += size;
        }

        return batch.Count < max && (batch.Count == 0 || bytes < maxBytes);
    }

    /// <summary>Splits events into batches of at most <paramref name="max"/> events and <paramref name="maxBytes"/> bytes (a larger event alone).</summary>
    public static IEnumerable<List<PendingEvent>> Chunk(IEnumerable<PendingEvent> events, int max, long maxBytes)
    {
        var batch = new List<PendingEvent>();
        long bytes = 0;
        foreach (var e in events)
        {
            var size = e.WireSize;
            if (batch.Count > 0 && (batch.Count >= max || bytes + size > maxBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(e);
            bytes += size;
        }

        if (batch.Count > 0)
            yield return batch;
    }
}
