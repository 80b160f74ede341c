using System.Globalization;
using System.Runtime.ExceptionServices;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Delivery;

/// <summary>Delivery stopped for good: a status that sending again cannot fix, or the reconnect attempts ran out.</summary>
/// <param name="attempts">Failed attempts in a row when giving up; 0 when the status itself was final.</param>
/// <param name="endpoint">The server (URL) of the last attempt, when known.</param>
internal sealed class DeliveryFailedException(Status status, int attempts, Exception? inner, string? endpoint = null)
    : Exception($"The ingest stream failed: {status.StatusCode}: {status.Detail}", inner)
{
    public Status Status { get; } = status;

    public int Attempts { get; } = attempts;

    public string? Endpoint { get; } = endpoint;
}

/// <summary>Writing a batch to the call failed (the connection broke, the server ended the call): not the caller's file.</summary>
internal sealed class StreamWriteException(Exception inner) : Exception($"Writing to the ingest stream failed: {inner.Message}", inner);

/// <summary>One gateway to send to: its client and the name (URL) notices and errors show.</summary>
internal sealed record IngestEndpoint(string Name, Ingest.IngestClient Client);

/// <summary>The server ended the response stream while batches were unacknowledged (a dying server can).</summary>
internal sealed class StreamEndedException(string message) : Exception(message);

/// <summary>
/// Delivers events from an <see cref="IEventSource"/> over <c>Ingest.StreamEvents</c> without losing or
/// silently double-sending any. Every batch written stays in an ordered unacknowledged list until its
/// ack arrives. When the stream fails, the status decides (<see cref="StreamFailures"/>): reconnect with
/// backoff and re-send every unacknowledged batch in its original order before anything new, split the
/// first unacknowledged batch (message too large), or halve the batch size (too many events). Re-sent
/// events the server had already applied come back as duplicates, which is safe. Events rejected as
/// retryable are sent again after their own backoff. Each event's final answer is told to its file's
/// <see cref="Checkpoints.FileCursor"/>. Batches hold at most <see cref="ReplayOptions.BatchSize"/> events and
/// <see cref="ReplayOptions.MaxBatchBytes"/> bytes (one larger event goes alone). With several
/// <paramref name="endpoints"/> (gateways), every reconnect goes to the next one in turn.
/// </summary>
internal sealed class DeliveryLoop(
    IReadOnlyList<IngestEndpoint> endpoints,
    ReplayOptions options,
    ReplayTally tally,
    IEventSource source,
    TextWriter notices,
    Func<TimeSpan, CancellationToken, Task> delay,
    Action acknowledged)
{
    /// <summary>How long a reader may take to report the real status after a write failed.</summary>
    private static readonly TimeSpan ReaderGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    // Batches to write before anything new: the unacknowledged batches of a failed stream, in order.
    private readonly LinkedList<Outgoing> _resend = new();
    // Written on the current stream and not yet acknowledged, in send order.
    private readonly List<(string Id, Outgoing Batch)> _unacked = [];
    private readonly PriorityQueue<PendingEvent, (DateTimeOffset Due, long Sequence)> _retries = new();
    private long _retrySequence;
    private AckTracker _tracker = new();
    private int _batchSize = options.BatchSize;
    private long _maxBatchBytes = options.MaxBatchBytes;
    private int _endpoint;
    private long _batchNumber;
    private bool _acknowledgedSinceFailure;
    private volatile bool _sendingDone;

    private sealed record Outgoing(IReadOnlyList<PendingEvent> Events, bool Resend);

    /// <summary>The batch size now (halved when the server said a batch had too many events).</summary>
    public int BatchSize
    {
        get { lock (_gate) return _batchSize; }
    }

    /// <summary>The byte budget of a batch now (lowered when the server refused a batch of several events as too large).</summary>
    public long MaxBatchBytes
    {
        get { lock (_gate) return _maxBatchBytes; }
    }

    /// <summary>The gateway the current (or next) stream goes to.</summary>
    public string Endpoint => endpoints[_endpoint].Name;

    /// <summary>
    /// Runs until the source is complete and every event has its final answer, or, once
    /// <paramref name="stop"/> is signalled, until what was already sent is acknowledged (nothing new is
    /// read and pending retries are left for the next run, which the checkpoint allows).
    /// </summary>
    /// <exception cref="DeliveryFailedException">A final status, or too many failed attempts in a row.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was signalled.</exception>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        var failures = 0;
        using var stopRegistration = stop.Register(Wake);
        while (true)
        {
            abort.ThrowIfCancellationRequested();
            if (stop.IsCancellationRequested)
            {
                lock (_gate)
                {
                    if (_resend.Count == 0)
                        return;
                }
            }

            var (failure, error) = await RunStreamAsync(stop, abort);
            if (failure is null)
                return;

            int waiting;
            lock (_gate)
            {
                for (var i = _unacked.Count - 1; i >= 0; i--)
                    _resend.AddFirst(_unacked[i].Batch with { Resend = true });
                _unacked.Clear();
                waiting = _resend.Count;
            }

            switch (failure.Action)
            {
                case FailureAction.SplitBatch when SplitLargest(failure.Status):
                    continue;
                case FailureAction.HalveBatchSize when Halve(failure):
                    continue;
                case FailureAction.Reconnect:
                    if (_acknowledgedSinceFailure)
                        failures = 0;
                    _acknowledgedSinceFailure = false;
                    failures++;
                    if (failures >= options.Reconnect.MaxAttempts)
                        throw new DeliveryFailedException(failure.Status, failures, error, Endpoint);
                    var failed = Endpoint;
                    _endpoint = (_endpoint + 1) % endpoints.Count; // a dead gateway: the next one takes over
                    var wait = options.Reconnect.Delay(failures, Random.Shared.NextDouble(), failure.RetryAfter);
                    var where = endpoints.Count > 1 ? $" to {Endpoint}" : "";
                    var from = endpoints.Count > 1 ? $" at {failed}" : "";
                    notices.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"warning: the ingest stream{from} failed ({failure.Status.StatusCode}: {Output.TerminalText.Escape(failure.Status.Detail)}); {waiting} unacknowledged batch(es) to re-send; reconnecting{where} in {wait.TotalSeconds:0.0} s (attempt {failures + 1} of {options.Reconnect.MaxAttempts})"));
                    await delay(wait, abort);
                    continue;
                default:
                    throw new DeliveryFailedException(failure.Status, 0, error, Endpoint);
            }
        }
    }

    private async Task<(StreamFailure? Failure, Exception? Error)> RunStreamAsync(CancellationToken stop, CancellationToken abort)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(abort);
        lock (_gate)
        {
            _tracker = new AckTracker();
            _unacked.Clear();
        }

        _sendingDone = false;
        using var call = endpoints[_endpoint].Client.StreamEvents(cancellationToken: attempt.Token);
        var reader = ReadAcksAsync(call, attempt);
        Exception? sendError = null;
        try
        {
            await SendAsync(call, stop, attempt.Token);
        }
        catch (Exception ex)
        {
            sendError = ex;
            // A failed write means the call is over: give the reader a moment to report the real status
            // (a server refusing an oversized message answers RESOURCE_EXHAUSTED while the write breaks).
            if (ex is not (StreamWriteException or RpcException or InvalidOperationException) || await Task.WhenAny(reader, Task.Delay(ReaderGrace, abort)) != reader)
                await attempt.CancelAsync();
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
            return (null, null);

        abort.ThrowIfCancellationRequested();
        if (sendError is IOException or UnauthorizedAccessException)
            ExceptionDispatchInfo.Capture(sendError).Throw(); // the caller's file, not the server
        return Describe(readError, sendError);
    }

    private static (StreamFailure, Exception) Describe(Exception? readError, Exception? sendError)
    {
        // The reader usually sees the call's real status, unless it was merely cancelled because the sender failed.
        var readerCancelledBySender = readError is RpcException { StatusCode: StatusCode.Cancelled } && sendError is not null;
        if (readError is RpcException rpc && !readerCancelledBySender)
            return (StreamFailures.Classify(rpc.Status, rpc.Trailers), rpc);
        if (readError is AckProtocolException protocol)
            return (new StreamFailure(FailureAction.Fail, new Status(StatusCode.Internal, protocol.Message)), protocol);
        if (readError is StreamEndedException ended)
            return (new StreamFailure(FailureAction.Reconnect, new Status(StatusCode.Unavailable, ended.Message)), ended);
        if (sendError is StreamWriteException { InnerException: { } written })
        {
            // The connection broke under the write (reset, closed) and the reader had no status: the server
            // went away or dropped the call. Reconnecting is bounded by the attempts.
            return written is RpcException writeRpc
                ? (StreamFailures.Classify(writeRpc.Status, writeRpc.Trailers), writeRpc)
                : (new StreamFailure(FailureAction.Reconnect, new Status(StatusCode.Unavailable, $"the stream broke while sending ({written.GetType().Name}: {written.Message})")), written);
        }

        if (sendError is RpcException sendRpc)
            return (StreamFailures.Classify(sendRpc.Status, sendRpc.Trailers), sendRpc);

        var other = sendError ?? readError!;
        return (new StreamFailure(FailureAction.Fail, new Status(StatusCode.Unknown, $"{other.GetType().Name}: {other.Message}")), other);
    }

    private async Task SendAsync(AsyncDuplexStreamingCall<EventBatch, BatchAck> call, CancellationToken stop, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var stopping = stop.IsCancellationRequested;
            Outgoing? next = null;
            bool windowFree;
            lock (_gate)
            {
                windowFree = _unacked.Count < options.MaxInFlight;
                if (windowFree && _resend.First is { } first)
                {
                    next = first.Value;
                    _resend.RemoveFirst();
                }
                else if (windowFree && !stopping && TakeDueRetries() is { Count: > 0 } due)
                {
                    next = new Outgoing(due, Resend: false);
                }
            }

            if (next is null && windowFree && !stopping && !source.Completed && source.Read(BatchSize, MaxBatchBytes) is { Count: > 0 } read)
                next = new Outgoing(read, Resend: false);

            if (next is not null)
            {
                await WriteAsync(call, next, ct);
                continue;
            }

            var wait = Timeout.InfiniteTimeSpan;
            lock (_gate)
            {
                var inputDone = stopping || source.Completed;
                var retriesDone = stopping || _retries.Count == 0;
                if (inputDone && retriesDone && _resend.Count == 0 && _unacked.Count == 0)
                {
                    _sendingDone = true;
                }
                else if (_unacked.Count < options.MaxInFlight)
                {
                    if (!stopping && _retries.TryPeek(out _, out var head))
                        wait = Max(head.Due - DateTimeOffset.UtcNow, TimeSpan.Zero);
                    if (!stopping && !source.Completed && (wait == Timeout.InfiniteTimeSpan || source.PollInterval < wait))
                        wait = source.PollInterval;
                }
            }

            if (_sendingDone)
            {
                await call.RequestStream.CompleteAsync();
                return;
            }

            await _wake.WaitAsync(wait, ct); // an ack, a stop, or the time for a retry or a poll
        }
    }

    private async Task WriteAsync(AsyncDuplexStreamingCall<EventBatch, BatchAck> call, Outgoing outgoing, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _batchNumber).ToString(CultureInfo.InvariantCulture);
        var batch = new EventBatch { BatchId = id };
        foreach (var e in outgoing.Events)
            batch.Events.Add(e.Event);
        lock (_gate)
        {
            _tracker.Register(id, outgoing.Events);
            _unacked.Add((id, outgoing)); // from here on it is re-sent unless acknowledged
        }

        tally.Sending(outgoing.Events, outgoing.Resend);
        try
        {
            await call.RequestStream.WriteAsync(batch, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not StreamWriteException)
        {
            throw new StreamWriteException(ex);
        }
    }

    private async Task ReadAcksAsync(AsyncDuplexStreamingCall<EventBatch, BatchAck> call, CancellationTokenSource attempt)
    {
        try
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync(attempt.Token))
            {
                Acknowledge(ack);
                Wake();
                acknowledged();
            }

            int unacked;
            lock (_gate) unacked = _unacked.Count;
            if (!_sendingDone || unacked > 0)
                throw new StreamEndedException($"The server ended the stream early; {unacked} batch(es) unacknowledged.");
        }
        catch
        {
            // Unblock the sender, which may be waiting for window space that will never free up.
            await attempt.CancelAsync();
            throw;
        }
    }

    private void Acknowledge(BatchAck ack)
    {
        List<PendingEvent> finals;
        lock (_gate)
        {
            var outcome = _tracker.Complete(ack);
            var index = _unacked.FindIndex(u => u.Id == ack.BatchId);
            var sent = _unacked[index].Batch;
            _unacked.RemoveAt(index);
            var disposition = tally.Apply(outcome, options.MaxRetries);
            var now = DateTimeOffset.UtcNow;
            foreach (var r in disposition.Retry)
            {
                var again = r.Event with { Attempt = r.Event.Attempt + 1 };
                _retries.Enqueue(again, (now + RetryDelay(again.Attempt, r), _retrySequence++));
            }

            // Not final: a retried event finishes with its later answer; one given up on although
            // retryable is never confirmed, so the checkpoint stays before it and a later run sends it again.
            var notFinal = new HashSet<PendingEvent>(disposition.Retry.Select(r => r.Event).Concat(disposition.GivenUp), ReferenceEqualityComparer.Instance);
            finals = [.. sent.Events.Where(e => !notFinal.Contains(e))];
            _acknowledgedSinceFailure = true;
        }

        foreach (var e in finals)
            e.Cursor?.Finish(e.Ordinal);
    }

    private List<PendingEvent> TakeDueRetries()
    {
        var due = new List<PendingEvent>();
        var now = DateTimeOffset.UtcNow;
        long bytes = 0;
        while (due.Count < _batchSize && _retries.TryPeek(out var e, out var when) && when.Due <= now)
        {
            if (due.Count > 0 && bytes + e.WireSize > _maxBatchBytes)
                break;
            _retries.Dequeue();
            due.Add(e);
            bytes += e.WireSize;
        }

        return due;
    }

    /// <summary>
    /// RESOURCE_EXHAUSTED (a message over the server's size limit): the largest unacknowledged batch is the one
    /// (if any batch was over the limit, the largest was). Several events: it goes again in two halves, and
    /// the byte budget drops to half its size for the rest of the run (the server's limit is lower than
    /// ours). A lone event: reported TOO_LARGE locally, skipped, and the run goes on.
    /// </summary>
    private bool SplitLargest(Status status)
    {
        PendingEvent? tooLarge = null;
        long lowered = 0;
        lock (_gate)
        {
            LinkedListNode<Outgoing>? largest = null;
            long largestBytes = -1;
            for (var node = _resend.First; node is not null; node = node.Next)
            {
                var bytes = node.Value.Events.Sum(e => (long)e.WireSize);
                if (bytes > largestBytes)
                    (largest, largestBytes) = (node, bytes);
            }

            if (largest is null)
                return false;
            var events = largest.Value.Events;
            if (events.Count == 1)
            {
                tooLarge = events[0];
                _resend.Remove(largest);
            }
            else
            {
                var half = events.Count / 2;
                _resend.AddAfter(largest, new Outgoing([.. events.Skip(half)], Resend: true));
                _resend.AddAfter(largest, new Outgoing([.. events.Take(half)], Resend: true));
                _resend.Remove(largest);
                if (largestBytes / 2 < _maxBatchBytes)
                {
                    // The server's limit is below our budget: lower it, and re-cut what waits to fit.
                    lowered = _maxBatchBytes = Math.Max(1, largestBytes / 2);
                    var waiting = _resend.SelectMany(o => o.Events).ToList();
                    _resend.Clear();
                    foreach (var chunk in BatchLimits.Chunk(waiting, _batchSize, _maxBatchBytes))
                        _resend.AddLast(new Outgoing(chunk, Resend: true));
                }
            }
        }

        if (lowered > 0)
        {
            notices.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: the server refused a message as too large ({Output.TerminalText.Escape(status.Detail)}); sending at most {lowered} bytes per batch from now on"));
        }

        if (tooLarge is null)
            return true;
        tally.LocalRejection(tooLarge.File, tooLarge.Line, RejectReason.TooLarge,
            string.Create(CultureInfo.InvariantCulture,
                $"the event alone ({tooLarge.WireSize} bytes) is over the server's message size limit ({status.StatusCode}: {status.Detail}); skipped"));
        tooLarge.Cursor?.Finish(tooLarge.Ordinal);
        return true;
    }

    /// <summary>INVALID_ARGUMENT "too many events": halve the batch size for the rest of the run and re-batch what waits.</summary>
    private bool Halve(StreamFailure failure)
    {
        int size;
        lock (_gate)
        {
            if (_batchSize == 1)
                return false;
            size = Math.Max(1, _batchSize / 2);
            if (failure.EventLimit is int limit && limit >= 1 && limit < size)
                size = limit;
            _batchSize = size;
            var waiting = _resend.SelectMany(o => o.Events).ToList();
            _resend.Clear();
            foreach (var chunk in BatchLimits.Chunk(waiting, size, _maxBatchBytes))
                _resend.AddLast(new Outgoing(chunk, Resend: true));
        }

        notices.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warning: the server refused a batch as too large ({failure.Status.Detail}); sending {size} events per batch from now on"));
        return true;
    }

    /// <summary>
    /// A rate-limited event waits for the slot the server gave it (each refused event has its own, as
    /// the budget refills), plus a little jitter (at most 10 % and 50 ms: enough to keep collectors
    /// refused together apart, too little to push an event past the next one's slot); anything else
    /// backs off exponentially.
    /// </summary>
    private TimeSpan RetryDelay(int attempt, ResolvedRejection rejection)
    {
        if (rejection.Reason != RejectReason.RateLimited || rejection.RetryAfter <= TimeSpan.Zero)
            return RetryDelay(attempt);
        var jitter = Math.Min(rejection.RetryAfter.TotalMilliseconds / 10, 50) * Random.Shared.NextDouble();
        return rejection.RetryAfter + TimeSpan.FromMilliseconds(jitter);
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var wait = options.RetryBaseDelay * Math.Pow(2, Math.Min(attempt - 1, 30));
        return wait < MaxRetryDelay ? wait : MaxRetryDelay;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up is enough.
        }
    }
}
