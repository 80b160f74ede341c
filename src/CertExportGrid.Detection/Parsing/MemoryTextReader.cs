namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// A TextReader over characters we already hold, so XmlReader can read a slice of a string or a
/// pooled decode buffer without copying it into a new string first. Reusable: <see cref="Reset"/>
/// points it at the next text, and disposing it (XmlReader does, CloseInput) only lets go of the
/// text, so one instance per thread serves every parse on that thread.
/// </summary>
internal sealed class MemoryTextReader : TextReader
{
    private ReadOnlyMemory<char> _rest;

    /// <summary>Reads <paramref name="text"/> from its start.</summary>
    public void Reset(ReadOnlyMemory<char> text) => _rest = text;

    public override int Peek() => _rest.IsEmpty ? -1 : _rest.Span[0];

    public override int Read()
    {
        if (_rest.IsEmpty)
        {
            return -1;
        }

        var c = _rest.Span[0];
        _rest = _rest[1..];
        return c;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _rest.Length);
        _rest.Span[..n].CopyTo(buffer);
        _rest = _rest[n..];
        return n;
    }

    // The text may be a pooled buffer that goes back to the pool after the parse: never hold on to it.
    protected override void Dispose(bool disposing)
    {
        _rest = default;
        base.Dispose(disposing);
    }
}
