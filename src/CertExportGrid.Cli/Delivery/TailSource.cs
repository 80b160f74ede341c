using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Delivery;

/// <summary>
/// Follows growing files like <c>tail -F</c>: complete lines are taken as they appear (a partial last
/// line waits for its line feed), a missing file is waited for, and a file that is truncated (shorter than
/// what was read) or replaced (different first bytes: rotated by rename) is followed again from its start.
/// After a rename the old file stays open until it is read to its end, so lines written just before the
/// rotation are not lost.
/// </summary>
internal sealed class TailSource(IReadOnlyList<string> files, CheckpointStore? checkpoint, ReplayTally tally, TextWriter notices, TimeSpan pollInterval)
    : IEventSource, IDisposable
{
    private readonly FollowedFile[] _files = [.. files.Select(f => new FollowedFile(f, checkpoint, tally, notices))];
    private readonly Queue<PendingEvent> _buffer = new();

    public bool Completed => false;

    public TimeSpan PollInterval => pollInterval;

    public IReadOnlyList<FileCursor> Cursors => [.. _files.Select(f => f.Cursor).OfType<FileCursor>()];

    public IReadOnlyList<PendingEvent> Read(int max, long maxBytes)
    {
        if (_buffer.Count == 0)
        {
            foreach (var file in _files)
            {
                foreach (var e in file.Poll())
                    _buffer.Enqueue(e);
            }
        }

        var result = new List<PendingEvent>(Math.Min(max, _buffer.Count));
        long bytes = 0;
        BatchLimits.Fill(_buffer, result, ref bytes, max, maxBytes);
        return result;
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
    }

    private sealed class FollowedFile(string displayName, CheckpointStore? checkpoint, ReplayTally tally, TextWriter notices) : IDisposable
    {
        private readonly string _path = Path.GetFullPath(displayName);
        private FileStream? _stream;
        private EventFileEncoding? _encoding;
        private long _readOffset;
        private int _line;
        private bool _toldMissing;
        private bool _encodingChecked;

        public FileCursor? Cursor { get; private set; }

        public List<PendingEvent> Poll()
        {
            var events = new List<PendingEvent>();
            if (_stream is null && !TryOpen(resume: Cursor is null))
                return events;

            if (_stream!.Length < _readOffset)
            {
                notices.WriteLine($"warning: {displayName} was truncated; following it again from the beginning");
                Restart(_stream);
            }

            events.AddRange(ReadAvailable(final: false));
            if (IsReplaced())
            {
                events.AddRange(ReadAvailable(final: true)); // the rest of the rotated file
                notices.WriteLine($"warning: {displayName} was rotated or replaced; following the new file from the beginning");
                _stream.Dispose();
                _stream = null;
                Cursor = null;
                if (TryOpen(resume: false))
                    events.AddRange(ReadAvailable(final: false));
            }

            return events;
        }

        private bool TryOpen(bool resume)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            }
            catch (FileNotFoundException)
            {
                if (!_toldMissing)
                    notices.WriteLine($"waiting for {displayName} to appear");
                _toldMissing = true;
                return false;
            }
            catch (DirectoryNotFoundException)
            {
                if (!_toldMissing)
                    notices.WriteLine($"waiting for {displayName} to appear");
                _toldMissing = true;
                return false;
            }

            _toldMissing = false;
            _stream = stream;
            var (offset, line) = resume ? ResumePoint.For(displayName, _path, checkpoint, notices) : (0, 0);
            Start(stream, offset, line);
            return true;
        }

        private void Restart(FileStream stream) => Start(stream, 0, 0);

        private void Start(FileStream stream, long offset, int line)
        {
            _readOffset = offset;
            _line = line;
            _encodingChecked = false;
            var head = FileIdentity.ReadHead(stream);
            _encoding = head.Length >= 3 || offset > 0 ? EventFileReader.DetectEncoding(head) : null;
            Cursor = new FileCursor(_path, offset, line) { Head = head };
        }

        private List<PendingEvent> ReadAvailable(bool final)
        {
            var stream = _stream!;
            var length = stream.Length;
            if (length <= _readOffset)
                return [];
            var cursor = Cursor!;
            if (cursor.Head.Length < FileIdentity.HeadLength && cursor.Head.Length < length)
                cursor.Head = FileIdentity.ReadHead(stream); // the file grew past what we had of its head

            // Decide the encoding once three bytes (or a whole line) are there: "EF BB" alone could still become a BOM.
            _encoding ??= length >= 3 || final ? EventFileReader.DetectEncoding(cursor.Head) : null;
            if (_encoding is not { } encoding)
                return [];

            var bytes = new byte[length - _readOffset];
            stream.Position = _readOffset;
            bytes = bytes[..stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
            var start = _readOffset == 0 ? EventFileReader.BomLength(encoding) : 0;
            var chunk = EventFileReader.ParseFrom(bytes, Math.Min(start, bytes.Length), encoding, _readOffset, _line, final);
            var from = _readOffset;
            _readOffset = chunk.EndOffset;
            _line = chunk.EndLine;
            if (!_encodingChecked && chunk.Lines.Count > 0)
            {
                // Once per file, when its first lines are there: a UTF-16 file without BOM reads as UTF-8.
                _encodingChecked = true;
                if (encoding == EventFileEncoding.Utf8 && EventFileReader.LooksLikeUtf16WithoutBom(cursor.Head))
                    notices.WriteLine($"warning: {displayName} looks like UTF-16 without a byte-order mark; re-save it with a BOM or as UTF-8");
            }

            return ChunkIntake.Take(cursor, displayName, chunk, from, tally);
        }

        /// <summary>The path now names another file than the one open (renamed away and recreated, or replaced).</summary>
        private bool IsReplaced()
        {
            var info = new FileInfo(_path);
            if (!info.Exists)
                return false; // rotated away, the new one not created yet: keep reading the old one
            if (info.Length < _readOffset)
                return true; // ours was not truncated (checked before), so this is another, shorter file
            byte[] head;
            try
            {
                head = FileIdentity.ReadHead(_path);
            }
            catch (FileNotFoundException)
            {
                return false;
            }

            var ours = Cursor!.Head;
            if (ours.Length == 0)
                return head.Length > 0 && _stream!.Length == 0; // leaving an empty file loses nothing
            var common = Math.Min(ours.Length, head.Length);
            return !ours.AsSpan(0, common).SequenceEqual(head.AsSpan(0, common));
        }

        public void Dispose() => _stream?.Dispose();
    }
}
