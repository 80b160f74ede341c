namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// Turns XmlReader's (line, position) into an offset in the text it read. XmlReader counts CRLF,
/// a lone CR and a lone LF each as one line break, and positions from 1 in UTF-16 chars; this
/// walks the text the same way. Lookups must come in document order (it only walks forward), which
/// is how the parser asks. Single-line events, the usual case, never walk at all.
/// </summary>
internal struct LineMap(ReadOnlyMemory<char> text)
{
    private readonly ReadOnlyMemory<char> _text = text;
    private int _line = 1;
    private int _lineStart;

    public int OffsetOf(int line, int position)
    {
        var span = _text.Span;
        var i = _lineStart;
        while (_line < line)
        {
            var next = span[i..].IndexOfAny('\r', '\n');
            if (next < 0)
            {
                throw new InvalidOperationException($"Line {line} is past the end of the text.");
            }

            i += next;
            i += span[i] == '\r' && i + 1 < span.Length && span[i + 1] == '\n' ? 2 : 1;
            _line++;
            _lineStart = i;
        }

        return _lineStart + position - 1;
    }
}
