using System.Globalization;
using System.Runtime.ExceptionServices;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Delivery;

/// <summary>Delivery stopped for good: a status that sending again cannot fix, or the reconnect attempts ran out.</summary>
/// <param name="attempts">Failed attempts in a row when giving up; 0 when the status itself was final.</param>
internal sealed class DeliveryFailedException(Status status, int attempts, Exception? inner)
    : Exception($"The ingest stream failed: {status.StatusCode}: {status.Detail}", inner)
{
    public Status Status { get; } = status;

    public int Attempts { get; } = attempts;
}

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
/// <see cref="Checkpoints.FileCursor"/>.
/// </summary>
internal sealed class DeliveryLoop(
    Ingest.IngestClient client,
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
    private long _batchNumber;
    private bool _acknowledgedSinceFailure;
    private volatile bool _sendingDone;

    private sealed record Outgoing(IReadOnlyList<PendingEvent> Events, bool Resend);

    /// <summary>The batch size now (halved when the server said a batch had too many events).</summary>
    public int BatchSize
    {
        get { lock (_gate) return _batchSize; }
    }

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
                case FailureAction.SplitBatch when SplitFirst(failure.Status):
                    continue;
                case FailureAction.HalveBatchSize when Halve(failure):
                    continue;
                case FailureAction.Reconnect:
                    if (_acknowledgedSinceFailure)
                        failures = 0;
                    _acknowledgedSinceFailure = false;
                    failures++;
                    if (failures >= options.Reconnect.MaxAttempts)
                        throw new DeliveryFailedException(failure.Status, failures, error);
                    var wait = options.Reconnect.Delay(failures, Random.Shared.NextDouble(), failure.RetryAfter);
                    notices.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"warning: the ingest stream failed ({failure.Status.StatusCode}: {failure.Status.Detail}); {waiting} unacknowledged batch(es) to re-send; reconnecting in {wait.TotalSeconds:0.0} s (attempt {failures + 1} of {options.Reconnect.MaxAttempts})"));
                    await delay(wait, abort);
                    continue;
                default:
                    throw new DeliveryFailedException(failure.Status, 0, error);
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
        using var call = client.StreamEvents(cancellationToken: attempt.Token);
        var reader = ReadAcksAsync(call, attempt);
        Exception? sendError = null;
        try
        {
            await SendAsync(call, stop, attempt.Token);
        }
        catch (Exception ex)
        {
            sendError = ex;
            // A failed write means the call is over: give the reader a moment to report the real status.
            if (ex is not (RpcException or InvalidOperationException) || await Task.WhenAny(reader, Task.Delay(ReaderGrace, abort)) != reader)
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

            if (next is null && windowFree && !stopping && !source.Completed && source.Read(BatchSize) is { Count: > 0 } read)
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
        await call.RequestStream.WriteAsync(batch, ct);
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
            var retry = tally.Apply(outcome, options.MaxRetries);
            var now = DateTimeOffset.UtcNow;
            foreach (var e in retry)
            {
                var again = e with { Attempt = e.Attempt + 1 };
                _retries.Enqueue(again, (now + RetryDelay(again.Attempt), _retrySequence++));
            }

            var retried = new HashSet<PendingEvent>(retry, ReferenceEqualityComparer.Instance);
            finals = [.. sent.Events.Where(e => !retried.Contains(e))];
            _acknowledgedSinceFailure = true;
        }

        foreach (var e in finals)
            e.Cursor?.Finish(e.Ordinal);
    }

    private List<PendingEvent> TakeDueRetries()
    {
        var due = new List<PendingEvent>();
        var now = DateTimeOffset.UtcNow;
        while (due.Count < _batchSize && _retries.TryPeek(out var e, out var when) && when.Due <= now)
        {
            _retries.Dequeue();
            due.Add(e);
        }

        return due;
    }

    /// <summary>RESOURCE_EXHAUSTED: the first unacknowledged batch goes again in two halves; a lone event is TOO_LARGE.</summary>
    private bool SplitFirst(Status status)
    {
        PendingEvent? tooLarge = null;
        lock (_gate)
        {
            if (_resend.First is not { } first)
                return false;
            _resend.RemoveFirst();
            var events = first.Value.Events;
            if (events.Count == 1)
            {
                tooLarge = events[0];
            }
            else
            {
                var half = events.Count / 2;
                _resend.AddFirst(new Outgoing([.. events.Skip(half)], Resend: true));
                _resend.AddFirst(new Outgoing([.. events.Take(half)], Resend: true));
            }
        }

        if (tooLarge is null)
            return true;
        tally.LocalRejection(tooLarge.File, tooLarge.Line, RejectReason.TooLarge,
            $"the event alone is over the server's message size limit ({status.StatusCode}: {status.Detail})");
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
            foreach (var chunk in waiting.Chunk(size))
                _resend.AddLast(new Outgoing(chunk, Resend: true));
        }

        notices.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warning: the server refused a batch as too large ({failure.Status.Detail}); sending {size} events per batch from now on"));
        return true;
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
