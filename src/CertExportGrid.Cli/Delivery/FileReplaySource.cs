using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Delivery;

/// <summary>
/// The files of a replay, each read once from its checkpointed offset (or the start) to its end; a last
/// line without a terminator counts. One file is held in memory at a time.
/// </summary>
internal sealed class FileReplaySource(IReadOnlyList<string> files, CheckpointStore? checkpoint, ReplayTally tally, TextWriter notices)
    : IEventSource
{
    private readonly Queue<PendingEvent> _buffer = new();
    private readonly List<FileCursor> _cursors = [];
    private readonly Lock _lock = new();
    private int _next;

    public bool Completed => _next >= files.Count && _buffer.Count == 0;

    public TimeSpan PollInterval => TimeSpan.Zero;

    public IReadOnlyList<FileCursor> Cursors
    {
        get { lock (_lock) return [.. _cursors]; }
    }

    public IReadOnlyList<PendingEvent> Read(int max, long maxBytes)
    {
        var result = new List<PendingEvent>(Math.Min(max, 1024));
        long bytes = 0;
        while (BatchLimits.Fill(_buffer, result, ref bytes, max, maxBytes) && _next < files.Count)
            Load(files[_next++]);
        return result;
    }

    private void Load(string file)
    {
        var full = Path.GetFullPath(file);
        var (offset, line) = ResumePoint.For(file, full, checkpoint, notices);
        byte[] head, rest;
        using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            head = FileIdentity.ReadHead(stream);
            stream.Position = offset;
            rest = new byte[Math.Max(0, stream.Length - offset)];
            rest = rest[..stream.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false)];
        }

        var encoding = EventFileReader.DetectEncoding(head);
        var cursor = new FileCursor(full, offset, line) { Head = head };
        lock (_lock) _cursors.Add(cursor);
        var start = offset == 0 ? EventFileReader.BomLength(encoding) : 0;
        var chunk = EventFileReader.ParseFrom(rest, start, encoding, offset, line, final: true);
        if (encoding == EventFileEncoding.Utf8 && EventFileReader.LooksLikeUtf16WithoutBom(head))
            notices.WriteLine($"warning: {file} looks like UTF-16 without a byte-order mark; re-save it with a BOM or as UTF-8");
        if (offset == 0 && chunk.Lines.Count == 0)
            notices.WriteLine($"warning: {file} has no events");
        foreach (var e in ChunkIntake.Take(cursor, file, chunk, offset, tally))
            _buffer.Enqueue(e);
        tally.FileRead();
    }
}

/// <summary>Where to start a file: its checkpointed position if the file is still the same one, else 0.</summary>
internal static class ResumePoint
{
    public static (long Offset, int Line) For(string displayName, string fullPath, CheckpointStore? checkpoint, TextWriter notices)
    {
        if (checkpoint?.Find(fullPath) is not { } entry)
            return (0, 0);
        if (!FileIdentity.Matches(fullPath, entry))
        {
            notices.WriteLine($"warning: {displayName} is not the file the checkpoint describes (rotated, replaced or truncated); starting it from the beginning");
            return (0, 0);
        }

        if (entry.Offset > 0)
            notices.WriteLine($"resuming {displayName} at line {entry.Line + 1} (lines 1-{entry.Line} were answered before)");
        return (entry.Offset, entry.Line);
    }
}
