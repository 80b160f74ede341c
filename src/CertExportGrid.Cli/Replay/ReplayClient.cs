using System.Globalization;
using System.Runtime.ExceptionServices;
using CertExportGrid.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace CertExportGrid.Cli.Replay;

/// <summary>
/// Replays event files into the server over one <c>Ingest.StreamEvents</c> call: batches of
/// <see cref="ReplayOptions.BatchSize"/> events, at most <see cref="ReplayOptions.MaxInFlight"/> batches
/// unacknowledged, acks read concurrently and matched by batch id, retryable rejections sent again in
/// rounds with exponential backoff. Files are read one at a time, so memory holds one file plus the window.
/// </summary>
internal sealed class ReplayClient(Ingest.IngestClient client)
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    public ReplayClient(ChannelBase channel)
        : this(new Ingest.IngestClient(channel))
    {
    }

    /// <exception cref="ReplayFailedException">The server is unreachable, failed the stream or broke the protocol.</exception>
    /// <exception cref="IOException">A file is missing or unreadable (FileNotFoundException and friends).</exception>
    /// <exception cref="UnauthorizedAccessException">A file may not be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
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

        var tally = new ReplayTally(files, bytesTotal, options.MaxRetries);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client.StreamEvents(cancellationToken: cts.Token);
        var run = new Run(call, options, tally, progress, cts);

        var reader = run.ReadAcksAsync();
        Exception? sendError = null;
        try
        {
            await run.SendAllAsync(files);
        }
        catch (Exception ex)
        {
            sendError = ex;
            await cts.CancelAsync();
        }

        Exception? readError = null;
        try
        {
            await reader;
        }
        catch (Exception ex)
        {
            readError = ex;
        }

        if (sendError is null && readError is null)
            return tally.Summary();

        cancellationToken.ThrowIfCancellationRequested();
        if (sendError is IOException or UnauthorizedAccessException)
            ExceptionDispatchInfo.Capture(sendError).Throw(); // the caller's file, not the server
        throw Failure(readError, sendError, tally.Summary());
    }

    private static ReplayFailedException Failure(Exception? readError, Exception? sendError, ReplaySummary partial)
    {
        // The reader usually sees the call's real status (a failed write often only says "call is complete"),
        // unless the reader was merely cancelled because the sender had already failed.
        var readerCancelledBySender = readError is RpcException { StatusCode: StatusCode.Cancelled } && sendError is not null;
        if (readError is RpcException rpc && !readerCancelledBySender)
            return new ReplayFailedException(rpc.Status, partial, rpc);
        if (readError is AckProtocolException protocol)
            return new ReplayFailedException(new Status(StatusCode.Internal, protocol.Message), partial, protocol);
        if (sendError is RpcException sendRpc)
            return new ReplayFailedException(sendRpc.Status, partial, sendRpc);

        var other = sendError ?? readError!;
        return new ReplayFailedException(new Status(StatusCode.Unknown, $"{other.GetType().Name}: {other.Message}"), partial, other);
    }

    private sealed class Run(
        AsyncDuplexStreamingCall<EventBatch, BatchAck> call,
        ReplayOptions options,
        ReplayTally tally,
        IProgress<ReplayProgress>? progress,
        CancellationTokenSource cts)
    {
        private readonly AckTracker _tracker = new();
        private readonly SemaphoreSlim _window = new(options.MaxInFlight, options.MaxInFlight);
        private long _batchNumber;
        private volatile bool _sendingDone;

        public async Task SendAllAsync(IReadOnlyList<string> files)
        {
            var batch = new List<PendingEvent>(options.BatchSize);
            long fileStart = 0;
            foreach (var file in files)
            {
                var content = EventFileReader.Read(file);
                foreach (var line in content.Lines)
                {
                    if (line.DecodeError is not null)
                    {
                        tally.LocalRejection(file, line.Number, line.DecodeError);
                        continue;
                    }

                    batch.Add(new PendingEvent(file, line.Number, ToEvent(line)));
                    if (batch.Count == options.BatchSize)
                    {
                        await SendAsync(batch, fileStart + line.EndOffset);
                        batch = new List<PendingEvent>(options.BatchSize);
                    }
                }

                fileStart += new FileInfo(file).Length;
                tally.FileRead(content.Lines.Count);
                progress?.Report(tally.Progress());
            }

            if (batch.Count > 0)
                await SendAsync(batch, fileStart);

            for (var round = 1; round <= options.MaxRetries; round++)
            {
                await DrainAsync();
                var due = tally.TakeRetries();
                if (due.Count == 0)
                    break;
                await Task.Delay(RetryDelay(round), cts.Token);
                foreach (var chunk in due.Chunk(options.BatchSize))
                    await SendAsync(chunk, fileStart);
            }

            await DrainAsync();
            tally.AllRead();
            _sendingDone = true;
            await call.RequestStream.CompleteAsync();
        }

        public async Task ReadAcksAsync()
        {
            try
            {
                await foreach (var ack in call.ResponseStream.ReadAllAsync(cts.Token))
                {
                    tally.Apply(_tracker.Complete(ack));
                    _window.Release();
                    progress?.Report(tally.Progress());
                }

                if (!_sendingDone || _tracker.InFlight > 0)
                {
                    var pending = _tracker.PendingBatchIds();
                    throw new AckProtocolException(
                        $"The server ended the stream early; {pending.Count} batch(es) unacknowledged.");
                }
            }
            catch
            {
                // Unblock the sender, which may be waiting for window space that will never free up.
                await cts.CancelAsync();
                throw;
            }
        }

        private async Task SendAsync(IReadOnlyList<PendingEvent> events, long endPosition)
        {
            await _window.WaitAsync(cts.Token);
            var id = Interlocked.Increment(ref _batchNumber).ToString(CultureInfo.InvariantCulture);
            var batch = new EventBatch { BatchId = id };
            foreach (var e in events)
                batch.Events.Add(e.Event);
            _tracker.Register(id, events, endPosition);
            tally.Sending(events);
            await call.RequestStream.WriteAsync(batch, cts.Token);
        }

        /// <summary>Waits until every batch sent so far is acknowledged.</summary>
        private async Task DrainAsync()
        {
            for (var i = 0; i < options.MaxInFlight; i++)
                await _window.WaitAsync(cts.Token);
            _window.Release(options.MaxInFlight);
        }

        private TimeSpan RetryDelay(int round)
        {
            var delay = options.RetryBaseDelay * Math.Pow(2, round - 1);
            return delay < MaxRetryDelay ? delay : MaxRetryDelay;
        }

        private static Event ToEvent(EventLine line) =>
            line.IsUtf8
                // The file's bytes are not touched after reading, so wrapping them without a copy is safe.
                ? new Event { XmlUtf8 = UnsafeByteOperations.UnsafeWrap(line.Utf8) }
                : new Event { Xml = line.Text };
    }
}
