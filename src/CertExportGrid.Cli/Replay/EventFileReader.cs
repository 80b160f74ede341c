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
internal readonly record struct EventLine(
    int Number,
    long EndOffset,
    ReadOnlyMemory<byte> Utf8,
    string? Text,
    string? DecodeError)
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
        // The second half of a UTF-16LE line break (0A 00) that arrived after the previous chunk was cut.
        if (position == 0 && baseOffset > 0 && content.Length > 0 && content[0] == 0)
            position++;
        while (position < content.Length)
        {
            var newline = Array.IndexOf(content, (byte)'\n', position);
            if (newline < 0 && !final)
                break;
            number++;
            var end = newline < 0 ? content.Length : newline;
            var next = newline < 0 ? content.Length : newline + 1;
            // A UTF-16LE line pasted into a UTF-8 file ends in 0A 00: the 00 belongs to that line's
            // terminator, not to the next event (which would otherwise start with a NUL and be rejected).
            if (newline >= 0 && next < content.Length && content[next] == 0)
                next++;

            var length = end - position;
            if (length > 0 && content[end - 1] == (byte)'\r')
                length--;
            var line = new ReadOnlyMemory<byte>(content, position, length);
            if (!IsBlank(line.Span))
                lines.Add(new EventLine(number, baseOffset + next, line, null, null));
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
