using System.Buffers;
using System.Xml;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// Windows writes C0 control characters raw into event XML (a certificate name may hold one), which
/// XML 1.0 forbids and XmlReader refuses even with CheckCharacters off. To accept such an event
/// without loosening anything else, each one is rewritten as a character reference ("&amp;#x01;",
/// always six chars) that XmlReader with CheckCharacters off turns back into the same character.
/// NUL is deliberately left raw so the reader still rejects it, and tab, CR and LF are legal XML.
/// </summary>
internal sealed class ControlCharEscaper
{
    private const int Growth = 5; // one char becomes six
    private static readonly SearchValues<char> s_escapable = SearchValues.Create(
        "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    // Offsets, in the escaped text, of the '&' of every reference we inserted, ascending.
    private readonly int[] _escapedAt;

    private ControlCharEscaper(ReadOnlyMemory<char> escaped, int[] escapedAt)
    {
        Escaped = escaped;
        _escapedAt = escapedAt;
    }

    public ReadOnlyMemory<char> Escaped { get; }

    public static bool NeedsEscaping(ReadOnlySpan<char> text) => text.ContainsAny(s_escapable);

    public static ControlCharEscaper Escape(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var rest = text; ;)
        {
            var i = rest.IndexOfAny(s_escapable);
            if (i < 0)
            {
                break;
            }

            count++;
            rest = rest[(i + 1)..];
        }

        var output = new char[text.Length + (count * Growth)];
        var escapedAt = new int[count];
        int read = 0, written = 0, n = 0;
        while (n < count)
        {
            var i = text[read..].IndexOfAny(s_escapable);
            text.Slice(read, i).CopyTo(output.AsSpan(written));
            written += i;
            read += i;
            escapedAt[n++] = written;
            var c = text[read++];
            output[written++] = '&';
            output[written++] = '#';
            output[written++] = 'x';
            output[written++] = HexDigit(c >> 4);
            output[written++] = HexDigit(c & 0xF);
            output[written++] = ';';
        }

        text[read..].CopyTo(output.AsSpan(written));
        return new ControlCharEscaper(output, escapedAt);
    }

    /// <summary>Maps an offset in the escaped text (never inside a reference) back to the original.</summary>
    public int ToOriginalOffset(int escapedOffset)
    {
        var index = Array.BinarySearch(_escapedAt, escapedOffset);
        var before = index >= 0 ? index : ~index; // references that start before this offset
        return escapedOffset - (before * Growth);
    }

    /// <summary>
    /// The reader's message with its position translated back to the caller's text, so an operator
    /// looking for the fault finds it where it is, not where our escaped copy had it.
    /// </summary>
    public string CorrectPosition(XmlException ex)
    {
        if (ex.LineNumber < 1 || ex.LinePosition < 1)
        {
            return ex.Message;
        }

        var lines = new LineMap(Escaped);
        var lineStart = lines.OffsetOf(ex.LineNumber, 1);
        var at = Math.Min(lineStart + ex.LinePosition - 1, Escaped.Length);
        var position = ToOriginalOffset(at) - ToOriginalOffset(lineStart) + 1;
        return ex.Message.Replace($", position {ex.LinePosition}.", $", position {position}.", StringComparison.Ordinal);
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);
}
