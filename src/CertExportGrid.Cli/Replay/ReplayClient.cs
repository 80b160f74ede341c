using System.Diagnostics;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Replay;

/// <summary>
/// The collector: sends event files into <c>Ingest.StreamEvents</c> and survives the server going away.
/// <see cref="ReplayAsync"/> reads each file once; <see cref="TailAsync"/> follows growing files. Both keep
/// every unacknowledged batch and re-send it in order after reconnecting (see <see cref="DeliveryLoop"/>),
/// and with <see cref="ReplayOptions.CheckpointPath"/> remember per file how far everything was answered.
/// </summary>
internal sealed class ReplayClient
{
    private readonly IReadOnlyList<IngestEndpoint> _endpoints;

    public ReplayClient(Ingest.IngestClient client)
        : this([new IngestEndpoint("server", client)])
    {
    }

    public ReplayClient(ChannelBase channel)
        : this([new IngestEndpoint(channel.Target, new Ingest.IngestClient(channel))])
    {
    }

    /// <summary>Several gateways: the stream starts on the first, and every reconnect goes to the next one in turn.</summary>
    public ReplayClient(IReadOnlyList<IngestEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count, nameof(endpoints));
        _endpoints = endpoints;
    }

    /// <summary>Where resume, reconnect, rotation and checkpoint notices go (stderr in the CLI). Default: nowhere.</summary>
    public TextWriter Notices { get; init; } = TextWriter.Null;

    /// <summary>Told of every final rejection as it happens (besides the summary). Default: nobody.</summary>
    public Action<ReplayRejection>? Rejections { get; init; }

    /// <summary>Waits between reconnect attempts; tests replace it to run without sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <exception cref="ReplayFailedException">A final status, a protocol violation, or the reconnect attempts ran out.</exception>
    /// <exception cref="IOException">A file is missing or unreadable (FileNotFoundException and friends).</exception>
    /// <exception cref="UnauthorizedAccessException">A file may not be read.</exception>
    /// <exception cref="CheckpointFormatException">The checkpoint file exists but cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the checkpoint is still written).</exception>
    public async Task<ReplaySummary> ReplayAsync(
        IReadOnlyList<string> files,
        ReplayOptions? options = null,
        IProgress<ReplayProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        options ??= new ReplayOptions();
        options.Validate();

        // Before connecting: a missing file is the caller's mistake, not a half-done replay.
        long bytesTotal = 0;
        foreach (var file in files)
            bytesTotal += new FileInfo(file).Length;

        var checkpoint = options.CheckpointPath is { } path ? CheckpointStore.Open(path) : null;
        var tally = new ReplayTally(files, bytesTotal) { OnRejected = Rejections };
        var notices = TextWriter.Synchronized(Notices);
        var source = new FileReplaySource(files, checkpoint, tally, notices);
        await RunAsync(source, checkpoint, options, tally, notices, progress, CancellationToken.None, cancellationToken);
        return tally.Summary();
    }

    /// <summary>
    /// Follows <paramref name="files"/> until <paramref name="stop"/>: then reads nothing new, waits for the
    /// acks of what was sent, writes the checkpoint and returns. <paramref name="abort"/> ends at once
    /// (still writing the checkpoint of what was confirmed).
    /// </summary>
    /// <exception cref="ReplayFailedException">A final status, a protocol violation, or the reconnect attempts ran out.</exception>
    public async Task<ReplaySummary> TailAsync(
        IReadOnlyList<string> files,
        ReplayOptions? options = null,
        IProgress<ReplayProgress>? progress = null,
        CancellationToken stop = default,
        CancellationToken abort = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        options ??= new ReplayOptions();
        options.Validate();

        var checkpoint = options.CheckpointPath is { } path ? CheckpointStore.Open(path) : null;
        var tally = new ReplayTally(files, 0) { OnRejected = Rejections };
        tally.FilesFollowed(files.Count);
        var notices = TextWriter.Synchronized(Notices);
        using var source = new TailSource(files, checkpoint, tally, notices, options.PollInterval);
        await RunAsync(source, checkpoint, options, tally, notices, progress, stop, abort);
        return tally.Summary();
    }

    private async Task RunAsync(
        IEventSource source,
        CheckpointStore? checkpoint,
        ReplayOptions options,
        ReplayTally tally,
        TextWriter notices,
        IProgress<ReplayProgress>? progress,
        CancellationToken stop,
        CancellationToken abort)
    {
        var saver = new CheckpointSaver(checkpoint, source, options.CheckpointInterval, notices);
        var loop = new DeliveryLoop(_endpoints, options, tally, source, notices, Delay, () =>
        {
            saver.AfterAck();
            progress?.Report(tally.Progress(Confirmed(source)));
        });
        try
        {
            await loop.RunAsync(stop, abort);
            progress?.Report(tally.Progress(Confirmed(source)));
        }
        catch (DeliveryFailedException ex)
        {
            throw new ReplayFailedException(ex.Status, tally.Summary(), ex.InnerException, ex.Attempts, ex.Endpoint);
        }
        finally
        {
            // Also after a failure or cancellation: what was confirmed stays confirmed.
            saver.Save();
        }
    }

    private static long Confirmed(IEventSource source) => source.Cursors.Sum(c => c.Confirmed.Offset);

    /// <summary>Writes the checkpoint after acks, at most once per interval, and on demand.</summary>
    private sealed class CheckpointSaver(CheckpointStore? store, IEventSource source, TimeSpan interval, TextWriter notices)
    {
        private readonly Lock _lock = new();
        private long _lastSave = Stopwatch.GetTimestamp();

        public void AfterAck()
        {
            if (store is null)
                return;
            lock (_lock)
            {
                if (Stopwatch.GetElapsedTime(_lastSave) < interval)
                    return;
                _lastSave = Stopwatch.GetTimestamp();
            }

            Save();
        }

        public void Save()
        {
            if (store is null)
                return;
            try
            {
                store.Save(source.Cursors);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Losing a checkpoint write only means more re-sends next time (which the server absorbs).
                notices.WriteLine($"warning: cannot write the checkpoint {store.Path}: {ex.Message}");
            }
        }
    }
}
