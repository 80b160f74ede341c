using System.Diagnostics;
using System.Text;
using CertExportGrid.Cli.Checkpoints;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// watch's memory: the last <c>position</c> received (from a finding update or SnapshotComplete), kept in
/// memory for reconnects and, with <c>--state FILE</c>, in a file (one line, written atomically at most
/// once per <see cref="SaveInterval"/> and on exit) so a restarted watch resumes where it was. After a
/// SIGKILL the file may be up to that interval behind, so a few updates can be printed twice; none is missed.
/// </summary>
internal sealed class WatchState(string? path)
{
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private string? _saved;
    private long _lastSave;

    public string? Position { get; private set; }

    /// <summary>Reads the state file; a missing or empty file means "no position yet".</summary>
    public static WatchState Load(string? path)
    {
        var state = new WatchState(path);
        if (path is not null && File.Exists(path))
            state.Position = state._saved = File.ReadAllText(path, Encoding.UTF8).Trim() is { Length: > 0 } text ? text : null;
        return state;
    }

    public void Advance(string position)
    {
        if (position.Length == 0)
            return;
        Position = position;
        if (path is not null && Stopwatch.GetElapsedTime(_lastSave) >= SaveInterval)
            Save();
    }

    public void Save()
    {
        if (path is null || Position is null || Position == _saved)
            return;
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(Position + "\n"));
        _saved = Position;
        _lastSave = Stopwatch.GetTimestamp();
    }
}
