using CertExportGrid.Detection.Events;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// Reads one XmlWinEventLog event safely: DTDs prohibited, no resolver, bounded size and depth.
/// Thread-safe; one instance serves all callers.
/// </summary>
public sealed class EventXmlParser(ParserLimits limits)
{
    public EventXmlParser() : this(ParserLimits.Default) { }

    public ParserLimits Limits { get; } = limits;

    /// <summary>Parses markup already decoded to text.</summary>
    public bool TryParse(string xml, out WinEvent? winEvent, out Classification.Rejected? rejection)
        => throw new NotImplementedException();

    /// <summary>Parses UTF-8 bytes, decoding strictly (invalid UTF-8 is rejected, never replaced).</summary>
    public bool TryParse(ReadOnlySpan<byte> utf8, out WinEvent? winEvent, out Classification.Rejected? rejection)
        => throw new NotImplementedException();
}
