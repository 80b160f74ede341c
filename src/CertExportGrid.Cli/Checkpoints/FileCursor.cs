namespace CertExportGrid.Cli.Checkpoints;

/// <summary>
/// How far one input file is finally answered. Positions are registered in read order (an event, or a
/// marker for blank or locally rejected lines); each becomes final when the server's answer for it is
/// final (accepted, duplicate, ignored, permanently rejected). The confirmed position advances only
/// over a contiguous prefix of final positions: acks arrive per batch, a batch can span files, and a
/// retried event finishes long after its neighbours, so "the last ack" says nothing about a file.
/// Thread-safe: the reader registers while the ack reader finishes.
/// </summary>
internal sealed class FileCursor
{
    private readonly Lock _lock = new();
    // Registered but not yet confirmed, by ordinal.
    private readonly Dictionary<long, (long EndOffset, int Line, bool Final)> _open = [];
    private long _nextOrdinal;
    private long _nextToConfirm;
    private long _confirmedOffset;
    private int _confirmedLine;

    /// <param name="path">Full path of the file.</param>
    /// <param name="startOffset">Byte offset already confirmed (from a checkpoint), or 0.</param>
    /// <param name="startLine">Line number already confirmed, or 0.</param>
    public FileCursor(string path, long startOffset = 0, int startLine = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(startLine);
        Path = path;
        _confirmedOffset = startOffset;
        _confirmedLine = startLine;
    }

    public string Path { get; }

    /// <summary>
    /// The first bytes of the file (up to <see cref="FileIdentity.HeadLength"/>), as read: what the
    /// checkpoint's identity is computed from. Set by whoever reads the file.
    /// </summary>
    public byte[] Head { get; set; } = [];

    /// <summary>Everything before this byte offset is finally answered.</summary>
    public (long Offset, int Line) Confirmed
    {
        get { lock (_lock) return (_confirmedOffset, _confirmedLine); }
    }

    /// <summary>Positions registered and not yet confirmed.</summary>
    public int Open
    {
        get { lock (_lock) return _open.Count; }
    }

    /// <summary>Registers the next position in read order; returns its ordinal for <see cref="Finish"/>.</summary>
    /// <param name="endOffset">Byte offset just past the line (and anything skipped before it).</param>
    /// <param name="line">The line's number, from 1.</param>
    public long Register(long endOffset, int line)
    {
        lock (_lock)
        {
            var ordinal = _nextOrdinal++;
            _open.Add(ordinal, (endOffset, line, false));
            return ordinal;
        }
    }

    /// <summary>Marks a position final; returns true if the confirmed prefix moved.</summary>
    public bool Finish(long ordinal)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(ordinal, out var entry))
                return false; // already confirmed (a position is final once)
            _open[ordinal] = entry with { Final = true };
            var moved = false;
            while (_open.TryGetValue(_nextToConfirm, out var next) && next.Final)
            {
                _open.Remove(_nextToConfirm);
                _nextToConfirm++;
                // Offsets only grow in read order; Max guards a marker registered for an earlier end.
                _confirmedOffset = Math.Max(_confirmedOffset, next.EndOffset);
                _confirmedLine = Math.Max(_confirmedLine, next.Line);
                moved = true;
            }

            return moved;
        }
    }

    /// <summary>Registers a position that is final at once (blank lines, a line rejected locally).</summary>
    public bool RegisterFinal(long endOffset, int line) => Finish(Register(endOffset, line));
}
