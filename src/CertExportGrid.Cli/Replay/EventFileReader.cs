using System.Text;

namespace CertExportGrid.Cli.Replay;

/// <summary>How the bytes of an event file were interpreted.</summary>
internal enum EventFileEncoding
{
    /// <summary>UTF-8 without a byte order mark (also the fallback when nothing else matches).</summary>
    Utf8,
    /// <summary>UTF-8 with the EF BB BF byte order mark.</summary>
    Utf8Bom,
    /// <summary>UTF-16LE with the FF FE byte order mark (what Windows PowerShell writes).</summary>
    Utf16LeBom,
    /// <summary>UTF-16BE with the FE FF byte order mark.</summary>
    Utf16BeBom,
}

/// <summary>
/// One non-blank line of an event file. Exactly one of <see cref="Utf8"/> (UTF-8 files: the raw bytes,
/// never decoded here, so the server's strict decoder sees exactly what the file holds), <see cref="Text"/>
/// (UTF-16 files, decoded strictly) or <see cref="DecodeError"/> (a UTF-16 line that does not decode) is set.
/// </summary>
/// <param name="Number">Line number in the file, counted from 1, blank lines included.</param>
/// <param name="EndOffset">File offset just past this line's terminator (for progress and checkpoints).</param>
/// <param name="LooksUtf16">A line of a UTF-8 file whose bytes look like UTF-16 text (a NUL in every other
/// byte): it is sent as it is and the server will reject it; the rejection says what the line looks like.</param>
internal readonly record struct EventLine(
    int Number,
    long EndOffset,
    ReadOnlyMemory<byte> Utf8,
    string? Text,
    string? DecodeError,
    bool LooksUtf16 = false)
{
    public bool IsUtf8 => Text is null && DecodeError is null;
}

/// <summary>The lines of one file and the encoding they were read with.</summary>
internal sealed record EventFileContent(EventFileEncoding Encoding, IReadOnlyList<EventLine> Lines);

/// <summary>The complete lines of part of a file.</summary>
/// <param name="EndOffset">File offset just past the last line taken (the next chunk starts here).</param>
/// <param name="EndLine">Number of the last line taken, blank or not (the next chunk's lines follow it).</param>
internal sealed record EventFileChunk(EventFileEncoding Encoding, IReadOnlyList<EventLine> Lines, long EndOffset, int EndLine);

/// <summary>
/// Splits XmlWinEventLog files (one event per line) into lines. Encoding comes from the byte order mark:
/// none or EF BB BF means UTF-8, FF FE UTF-16LE, FE FF UTF-16BE. A trailing CR is stripped, blank lines are
/// skipped without disturbing the numbering, and a last line without a terminator still counts.
/// </summary>
internal static class EventFileReader
{
    private static readonly Encoding StrictUtf16Le = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16Be = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    public static EventFileContent Read(string path) => Parse(File.ReadAllBytes(path));

    public static EventFileContent Parse(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var encoding = DetectEncoding(content);
        return new(encoding, ParseFrom(content, BomLength(encoding), encoding, 0, 0, final: true).Lines);
    }

    /// <summary>The encoding the first bytes of a file announce (UTF-8 when there is no byte order mark).</summary>
    public static EventFileEncoding DetectEncoding(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            return EventFileEncoding.Utf8Bom;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            return EventFileEncoding.Utf16LeBom;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            return EventFileEncoding.Utf16BeBom;
        return EventFileEncoding.Utf8;
    }

    public static int BomLength(EventFileEncoding encoding) => encoding switch
    {
        EventFileEncoding.Utf8Bom => 3,
        EventFileEncoding.Utf16LeBom or EventFileEncoding.Utf16BeBom => 2,
        _ => 0,
    };

    /// <summary>
    /// Splits part of a file into lines. <paramref name="content"/> holds the file's bytes from
    /// <paramref name="baseOffset"/> on; splitting starts at index <paramref name="start"/> (past a byte order
    /// mark) with line number <paramref name="baseLine"/> + 1. Unless <paramref name="final"/>, a last line
    /// without its terminator is left for later (a writer may be in the middle of it): the chunk ends
    /// before it. Offsets in the result are file offsets.
    /// </summary>
    public static EventFileChunk ParseFrom(byte[] content, int start, EventFileEncoding encoding, long baseOffset, int baseLine, bool final)
    {
        ArgumentNullException.ThrowIfNull(content);
        return encoding switch
        {
            EventFileEncoding.Utf16LeBom => SplitUtf16(content, start, bigEndian: false, baseOffset, baseLine, final),
            EventFileEncoding.Utf16BeBom => SplitUtf16(content, start, bigEndian: true, baseOffset, baseLine, final),
            _ => SplitUtf8(content, start, baseOffset, baseLine, final),
        };
    }

    private static EventFileChunk SplitUtf8(byte[] content, int start, long baseOffset, int baseLine, bool final)
    {
        var lines = new List<EventLine>();
        var number = baseLine;
        var position = start;
        var afterUtf16Le = false; // the last non-blank line looked like UTF-16LE
        while (position < content.Length)
        {
            var newline = Array.IndexOf(content, (byte)'\n', position);
            if (newline < 0 && !final)
                break;
            var end = newline < 0 ? content.Length : newline;
            var next = newline < 0 ? content.Length : newline + 1;
            var segment = content.AsSpan(position, end - position);
            var utf16 = LooksLikeUtf16Line(segment);
            if (utf16 == Utf16Line.No && afterUtf16Le && IsUtf16LeBlank(segment))
                utf16 = Utf16Line.LittleEndian; // a blank line (0D 00 0A 00, 0A 00) among UTF-16LE lines
            if (utf16 == Utf16Line.LittleEndian && newline >= 0)
            {
                // A UTF-16LE line (pasted or appended into a UTF-8 file) ends in 0A 00: that 00 is the second
                // half of its line feed, so the line and its terminator end after it and the next line starts
                // intact. Any other 00, e.g. at the start of a line after a UTF-8 line, is sent as it is.
                if (next < content.Length && content[next] == 0)
                    next++;
                else if (next == content.Length && !final)
                    break; // the 00 may not be written yet: take the line when it is
            }

            number++;
            var length = end - position;
            if (utf16 == Utf16Line.LittleEndian && length >= 2 && content[end - 2] == (byte)'\r' && content[end - 1] == 0)
                length -= 2; // its CR (0D 00)
            else if (length > 0 && content[end - 1] == (byte)'\r')
                length--;
            var line = new ReadOnlyMemory<byte>(content, position, length);
            var blank = utf16 == Utf16Line.LittleEndian ? IsUtf16LeBlank(line.Span) : IsBlank(line.Span);
            if (!blank)
            {
                lines.Add(new EventLine(number, baseOffset + next, line, null, null, utf16 != Utf16Line.No));
                afterUtf16Le = utf16 == Utf16Line.LittleEndian;
            }

            position = next;
        }

        return new EventFileChunk(EventFileEncoding.Utf8, lines, baseOffset + position, number);
    }

    private static EventFileChunk SplitUtf16(byte[] content, int start, bool bigEndian, long baseOffset, int baseLine, bool final)
    {
        var encoding = bigEndian ? StrictUtf16Be : StrictUtf16Le;
        var lines = new List<EventLine>();
        var number = baseLine;
        var position = start;
        while (position < content.Length)
        {
            var end = position;
            while (end + 1 < content.Length && !IsUtf16Newline(content, end, bigEndian))
                end += 2;
            // end is either at a newline code unit, or at/after the last complete code unit.
            var hasNewline = end + 1 < content.Length;
            if (!hasNewline && !final)
                break;
            number++;
            if (!hasNewline)
                end = content.Length;
            var next = hasNewline ? end + 2 : content.Length;

            EventLine line;
            try
            {
                var text = encoding.GetString(content, position, end - position);
                if (text.EndsWith('\r'))
                    text = text[..^1];
                line = new EventLine(number, baseOffset + next, default, text, null);
            }
            catch (DecoderFallbackException ex)
            {
                var what = bigEndian ? "UTF-16BE" : "UTF-16LE";
                var bytes = ex.BytesUnknown is { Length: > 0 } unknown ? Convert.ToHexString(unknown) : "?";
                line = new EventLine(number, baseOffset + next, default, null, $"not valid {what}: the bytes {bytes} do not decode (lone surrogate or odd length)");
            }

            if (line.Text is null || !string.IsNullOrWhiteSpace(line.Text))
                lines.Add(line);
            position = next;
        }

        return new EventFileChunk(bigEndian ? EventFileEncoding.Utf16BeBom : EventFileEncoding.Utf16LeBom, lines, baseOffset + position, number);
    }

    private static bool IsUtf16Newline(byte[] content, int index, bool bigEndian) =>
        bigEndian
            ? content[index] == 0 && content[index + 1] == (byte)'\n'
            : content[index] == (byte)'\n' && content[index + 1] == 0;

    private enum Utf16Line
    {
        No,
        LittleEndian,
        BigEndian,
    }

    /// <summary>
    /// Whether the bytes of a line (without its LF byte) look like UTF-16 text: at least 4 code units, and
    /// NUL in at least 3 of 4 high bytes (LE: odd positions, after an optional FF FE) while the other bytes
    /// are not NUL. XML events are mostly ASCII, so real UTF-16 lines pass easily; UTF-8 text has no NULs.
    /// A UTF-16BE line split at its 0A leaves the 00 of that code unit at its end (odd length).
    /// </summary>
    private static Utf16Line LooksLikeUtf16Line(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf((byte)0) < 0)
            return Utf16Line.No; // every UTF-8 line: one vectorised scan
        if (line.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            line = line[2..];
        if (line.Length < 8)
            return Utf16Line.No;
        if (line.Length % 2 == 0 && MostlyNulAt(line, 1))
            return Utf16Line.LittleEndian;
        if (line.Length % 2 == 1 && line[^1] == 0 && MostlyNulAt(line[..^1], 0))
            return Utf16Line.BigEndian;
        return Utf16Line.No;
    }

    private static bool MostlyNulAt(ReadOnlySpan<byte> bytes, int parity)
    {
        int nul = 0, otherNul = 0, units = bytes.Length / 2;
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            if (bytes[i + parity] == 0) nul++;
            if (bytes[i + 1 - parity] == 0) otherNul++;
        }

        return nul * 4 >= units * 3 && otherNul * 8 <= units;
    }

    /// <summary>
    /// Whether the start of a file without a byte order mark looks like UTF-16: in its first KiB, at least
    /// 8 bytes and a third of the bytes at odd (UTF-16LE) or even (UTF-16BE) positions are 00. UTF-8 text
    /// has no 00 bytes, so this never fires on a real UTF-8 event file.
    /// </summary>
    public static bool LooksLikeUtf16WithoutBom(ReadOnlySpan<byte> head)
    {
        if (DetectEncoding(head) != EventFileEncoding.Utf8)
            return false;
        head = head[..Math.Min(head.Length, 1024)];
        int even = 0, odd = 0;
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] != 0) continue;
            if (i % 2 == 0) even++;
            else odd++;
        }

        var perParity = head.Length / 2;
        return head.Length >= 8 && Math.Max(even, odd) * 3 >= perParity && Math.Max(even, odd) >= 4;
    }

    /// <summary>Only UTF-16LE spaces, tabs and CRs (20 00, 09 00, 0D 00), or nothing.</summary>
    private static bool IsUtf16LeBlank(ReadOnlySpan<byte> line)
    {
        if (line.Length % 2 != 0)
            return false;
        for (var i = 0; i < line.Length; i += 2)
        {
            if (line[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r') || line[i + 1] != 0)
                return false;
        }

        return true;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                return false;
        }

        return true;
    }
}
