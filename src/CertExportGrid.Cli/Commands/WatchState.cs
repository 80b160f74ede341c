using System.Buffers;
using System.Text;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Output;

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

    // A position is EPOCH.SEQUENCE: letters and digits, a dot, digits.
    private static readonly SearchValues<char> EpochCharacters = SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>Longer than any position a server issues (a 12-character epoch, a dot, a 64-bit sequence).</summary>
    private const int MaxFileBytes = 256;

    /// <summary>
    /// Reads the state file; a missing or empty file means "no position yet" (so a file made with
    /// <c>touch</c> is fine).
    /// </summary>
    /// <remarks>The path itself (folder, special file, writable) is checked before, by <see cref="Checkpoints.StateFilePath"/>.</remarks>
    /// <exception cref="WatchStateFileException">The file cannot be read, or holds something other than a position.</exception>
    public static WatchState Load(string? path, TimeProvider? clock = null)
    {
        var state = new WatchState(path, clock);
        if (path is null || !File.Exists(path))
            return state;
        const string NotAPosition = "does not hold a watch position (EPOCH.SEQUENCE, as watch writes it). Delete it to start afresh, or give another file.";
        string text;
        try
        {
            // Never read (or echo) a large file: it is not ours.
            if (new FileInfo(path).Length > MaxFileBytes)
                throw new WatchStateFileException(path, NotAPosition);
            text = File.ReadAllText(path, Encoding.UTF8).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WatchStateFileException(path, $"cannot be read: {TerminalText.Escape(ex.Message)}");
        }

        if (text.Length > 0 && !LooksLikePosition(text))
            throw new WatchStateFileException(path, NotAPosition);
        state._position = state._saved = text.Length > 0 ? text : null;
        return state;
    }

    private static bool LooksLikePosition(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        // The sequence is what the server parses: a non-negative 64-bit number, digits only.
        return dot > 0
            && !text.AsSpan(0, dot).ContainsAnyExcept(EpochCharacters)
            && long.TryParse(text.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Remembers the position; writes it at once unless the file was written less than <see cref="SaveInterval"/> ago.</summary>
    public void Advance(string position)
    {
        if (position.Length == 0)
            return;
        lock (_gate)
        {
            _position = position;
            try
            {
                if (Due())
                    SaveLocked();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Still pending: the flusher tries again and reports the failure.
            }
        }
    }

    /// <summary>Writes a pending position if the last write is at least <see cref="SaveInterval"/> old; returns whether it wrote.</summary>
    public bool FlushIfDue()
    {
        lock (_gate)
            return Due() && SaveLocked();
    }

    /// <summary>Writes the pending position now (on exit); a failure is reported on <paramref name="error"/>, not thrown.</summary>
    public void Save(TextWriter? error = null)
    {
        try
        {
            lock (_gate)
                SaveLocked();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error?.WriteLine($"{CannotWrite(ex)}; a restart will resume from an earlier position.");
        }
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
        var failing = false;
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
                if (FlushIfDue() && failing)
                {
                    failing = false;
                    await error.WriteLineAsync($"watch: --state {path} written again.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Once per failure spell, not every tick.
                if (!failing)
                    await error.WriteLineAsync($"{CannotWrite(ex)}. Retrying quietly.");
                failing = true;
            }
        }
    }

    private string CannotWrite(Exception ex) => $"warning: watch: cannot write --state {path}: {TerminalText.Escape(ex.Message.TrimEnd('.'))}";

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

