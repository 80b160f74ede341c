using System.Text;
using CertExportGrid.Cli.Checkpoints;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// watch's memory: the last <c>position</c> received (from a finding update or SnapshotComplete), kept in
/// memory for reconnects and, with <c>--state FILE</c>, in a file (one line, written atomically at most
/// once per <see cref="SaveInterval"/>, and on exit) so a restarted watch resumes where it was. A position
/// that arrives within the interval of the previous write is written by <see cref="RunFlusherAsync"/>
/// once the interval has passed, even when no further update arrives; so after a SIGKILL the file is at
/// most about <see cref="SaveInterval"/> + <see cref="FlushTick"/> behind and only the updates of that
/// last moment can be printed twice; none is missed.
/// </summary>
internal sealed class WatchState(string? path, TimeProvider? clock = null)
{
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often the flusher looks for a pending position.</summary>
    public static readonly TimeSpan FlushTick = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private string? _position;
    private string? _saved;
    private long? _lastSave;

    public string? Position
    {
        get { lock (_gate) return _position; }
    }

    /// <summary>A position was received that the file does not hold yet.</summary>
    public bool IsDirty
    {
        get { lock (_gate) return PendingLocked; }
    }

    // Caller holds _gate.
    private bool PendingLocked => path is not null && _position is not null && _position != _saved;

    /// <summary>Reads the state file; a missing or empty file means "no position yet".</summary>
    public static WatchState Load(string? path, TimeProvider? clock = null)
    {
        var state = new WatchState(path, clock);
        if (path is not null && File.Exists(path))
            state._position = state._saved = File.ReadAllText(path, Encoding.UTF8).Trim() is { Length: > 0 } text ? text : null;
        return state;
    }

    /// <summary>Remembers the position; writes it at once unless the file was written less than <see cref="SaveInterval"/> ago.</summary>
    public void Advance(string position)
    {
        if (position.Length == 0)
            return;
        lock (_gate)
        {
            _position = position;
            if (Due())
                SaveLocked();
        }
    }

    /// <summary>Writes a pending position if the last write is at least <see cref="SaveInterval"/> old; returns whether it wrote.</summary>
    public bool FlushIfDue()
    {
        lock (_gate)
            return Due() && SaveLocked();
    }

    /// <summary>Writes the pending position now (on exit).</summary>
    public void Save()
    {
        lock (_gate)
            SaveLocked();
    }

    /// <summary>
    /// Until cancelled, every <see cref="FlushTick"/> (waited with <paramref name="delay"/>) writes a
    /// pending position that is due (<see cref="FlushIfDue"/>). A failed write is reported on
    /// <paramref name="error"/> and tried again on the next tick. Returns when cancelled.
    /// </summary>
    public async Task RunFlusherAsync(Func<TimeSpan, CancellationToken, Task> delay, TextWriter error, CancellationToken ct)
    {
        if (path is null)
            return;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await delay(FlushTick, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                FlushIfDue();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"warning: watch: cannot write --state {path}: {Output.TerminalText.Escape(ex.Message)}");
            }
        }
    }

    private bool Due() =>
        PendingLocked && (_lastSave is not { } last || _clock.GetElapsedTime(last) >= SaveInterval);

    private bool SaveLocked()
    {
        if (!PendingLocked)
            return false;
        AtomicFile.Write(path!, Encoding.UTF8.GetBytes(_position + "\n"));
        _saved = _position;
        _lastSave = _clock.GetTimestamp();
        return true;
    }
}
