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

    /// <summary>Up to <paramref name="max"/> events, in file order; empty when none is available right now.</summary>
    IReadOnlyList<PendingEvent> Read(int max);
}
