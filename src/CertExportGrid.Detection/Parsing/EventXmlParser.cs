using System.Buffers;
using System.Text.Unicode;
using System.Xml;
using CertExportGrid.Detection.Events;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// Reads one XmlWinEventLog event safely: DTDs prohibited, no resolver, bounded size and depth.
/// Thread-safe; one instance serves all callers.
/// </summary>
/// <remarks>
/// Decisions (docs/semantics.md explains them for SOC readers):
/// - Any DOCTYPE is refused before it is read: no entity is expanded, no URL fetched.
/// - Raw C0 control characters (not NUL) are accepted as Windows writes them, as are character
///   references to them; NUL, U+FFFE/U+FFFF and unpaired surrogates are refused (raw anywhere,
///   referenced in any field the parser reads).
/// - Markup that is not well-formed is refused whole: nothing is salvaged from it.
/// </remarks>
public sealed class EventXmlParser(ParserLimits limits)
{
    private const int MaxMessageChars = 512;
    private const int MaxCachedNameChars = 64 * 1024;
    private static readonly byte[] s_utf8Bom = [0xEF, 0xBB, 0xBF];
    private static readonly string s_dtdProhibitedMessage = ProbeDtdProhibitedMessage();

    // Settings and name table are reused per thread: element names are atomized once per thread,
    // not once per event. Parsing is synchronous, so a thread never uses them twice at a time.
    [ThreadStatic]
    private static XmlReaderSettings? t_settings;

    // The TextReader over the event is reused per thread too (the reader disposes it, which only
    // drops the text). XmlReader itself cannot be reset to new input, so it is still one per event.
    [ThreadStatic]
    private static MemoryTextReader? t_input;

    public EventXmlParser() : this(ParserLimits.Default) { }

    public ParserLimits Limits { get; } = limits;

    /// <summary>Parses markup already decoded to text.</summary>
    public bool TryParse(string xml, out WinEvent? winEvent, out Classification.Rejected? rejection)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var text = xml.AsMemory();
        if (text.Span.StartsWith('\uFEFF'))
        {
            text = text[1..]; // a BOM left by a decoder; XmlReader would call it data before the root
        }

        return TryParseText(text, out winEvent, out rejection);
    }

    /// <summary>Parses UTF-8 bytes, decoding strictly (invalid UTF-8 is rejected, never replaced).</summary>
    public bool TryParse(ReadOnlySpan<byte> utf8, out WinEvent? winEvent, out Classification.Rejected? rejection)
    {
        var skipped = utf8.StartsWith(s_utf8Bom) ? s_utf8Bom.Length : 0;
        utf8 = utf8[skipped..];

        // Every 3 UTF-8 bytes decode to at least one UTF-16 char, so past this bound the char limit
        // is certainly exceeded: refuse before spending anything on decoding.
        if (utf8.Length > (long)Limits.MaxEventChars * 3)
        {
            return Fail(RejectionCode.TooLarge, $"The event is {utf8.Length} bytes; the limit is {Limits.MaxEventChars} characters.",
                out winEvent, out rejection);
        }

        // Decode into a pooled buffer: the whole event never becomes a string, only its fields do.
        var buffer = ArrayPool<char>.Shared.Rent(Math.Max(utf8.Length, 1));
        try
        {
            var status = Utf8.ToUtf16(utf8, buffer, out var read, out var written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                return Fail(RejectionCode.InvalidEncoding,
                    $"Invalid UTF-8 at byte offset {read + skipped} (0x{utf8[read]:X2}).", out winEvent, out rejection);
            }

            return TryParseText(buffer.AsMemory(0, written), out winEvent, out rejection);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private bool TryParseText(ReadOnlyMemory<char> text, out WinEvent? winEvent, out Classification.Rejected? rejection)
    {
        if (text.Length > Limits.MaxEventChars)
        {
            return Fail(RejectionCode.TooLarge, $"The event is {text.Length} characters; the limit is {Limits.MaxEventChars}.",
                out winEvent, out rejection);
        }

        if (text.Span.TrimStart(" \t\r\n").IsEmpty)
        {
            return Fail(RejectionCode.NotAnEvent, "The input is empty.", out winEvent, out rejection);
        }

        var escaper = ControlCharEscaper.NeedsEscaping(text.Span) ? ControlCharEscaper.Escape(text.Span) : null;
        var parsed = escaper?.Escaped ?? text;

        EventFieldReader fields;
        try
        {
            var input = t_input ??= new MemoryTextReader();
            input.Reset(parsed);
            using var reader = XmlReader.Create(input, ThreadSettings());
            fields = new EventFieldReader(reader, Limits, parsed, text, escaper);
            if (fields.ReadToEnd() is { } refused)
            {
                winEvent = null;
                rejection = refused;
                return false;
            }
        }
        catch (XmlException ex)
        {
            return Fail(Classify(ex, text.Span, escaper), out winEvent, out rejection);
        }

        var result = fields.ToWinEvent();
        if (FindForbiddenChar(result) is { } field)
        {
            return Fail(RejectionCode.NotWellFormed,
                $"{field} holds a character reference to NUL, U+FFFE, U+FFFF or an unpaired surrogate.", out winEvent, out rejection);
        }

        winEvent = result;
        rejection = null;
        return true;
    }

    private static Classification.Rejected Classify(XmlException ex, ReadOnlySpan<char> text, ControlCharEscaper? escaper)
    {
        // The reader's "DTD is prohibited" error carries no position; the text test also catches a
        // DOCTYPE in a place where the reader reports a different error first.
        if (ex.Message == s_dtdProhibitedMessage || text.Contains("<!DOCTYPE", StringComparison.Ordinal))
        {
            return new(RejectionCode.DtdProhibited, "The event carries a DOCTYPE; DTDs are never processed (Windows does not write them).");
        }

        var message = escaper is null ? ex.Message : escaper.CorrectPosition(ex);
        message = message.Length <= MaxMessageChars ? message : string.Concat(message.AsSpan(0, MaxMessageChars), "...");
        return new(RejectionCode.NotWellFormed, message);
    }

    // CheckCharacters is off (so references to control characters decode), which also lets through
    // references to characters no XML version allows; those must not reach a finding.
    private static string? FindForbiddenChar(WinEvent e)
    {
        if (HasForbiddenChar(e.Computer)) return "Computer";
        if (HasForbiddenChar(e.Channel)) return "Channel";
        if (HasForbiddenChar(e.EventId)) return "EventID";
        if (HasForbiddenChar(e.RecordId)) return "EventRecordID";
        if (HasForbiddenChar(e.SystemTime)) return "SystemTime";
        if (HasForbiddenChar(e.UserSid)) return "UserID";
        if (HasForbiddenChar(e.ProcessName)) return "ProcessName";
        if (HasForbiddenChar(e.AccountName)) return "AccountName";
        if (HasForbiddenChar(e.Context)) return "Context";
        if (HasForbiddenChar(e.Thumbprint)) return "Thumbprint";
        foreach (var name in e.SubjectNames)
        {
            if (HasForbiddenChar(name)) return "SubjectName";
        }

        return null;
    }

    internal static bool HasForbiddenChar(string? value)
    {
        if (value is null)
        {
            return false;
        }

        var span = value.AsSpan();
        if (span.IndexOfAny('\0', '\uFFFE', '\uFFFF') >= 0)
        {
            return true;
        }

        for (var i = span.IndexOfAnyInRange('\uD800', '\uDFFF'); i >= 0 && i < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(span[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static XmlReaderSettings ThreadSettings()
    {
        // Hostile input can bring thousands of made-up names; start afresh once they add up.
        if (t_settings?.NameTable is not BoundedNameTable { Chars: <= MaxCachedNameChars })
        {
            t_settings = CreateSettings(new BoundedNameTable());
        }

        return t_settings;
    }

    // Size is checked before parsing (ParserLimits), so MaxCharactersInDocument is not needed here.
    private static XmlReaderSettings CreateSettings(XmlNameTable? names) => new()
    {
        NameTable = names,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        // Off so that references to C0 controls decode (see ControlCharEscaper); raw NUL, raw
        // U+FFFE/U+FFFF and raw unpaired surrogates are still refused by the reader itself.
        CheckCharacters = false,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        ConformanceLevel = ConformanceLevel.Document,
        CloseInput = true,
    };

    private static string ProbeDtdProhibitedMessage()
    {
        var settings = CreateSettings(names: null);
        try
        {
            using var reader = XmlReader.Create(new StringReader("<!DOCTYPE a><a/>"), settings);
            while (reader.Read())
            {
            }
        }
        catch (XmlException ex)
        {
            return ex.Message;
        }

        throw new InvalidOperationException("XmlReader accepted a DOCTYPE with DtdProcessing.Prohibit.");
    }

    private static bool Fail(RejectionCode code, string message, out WinEvent? winEvent, out Classification.Rejected? rejection)
        => Fail(new Classification.Rejected(code, message), out winEvent, out rejection);

    private static bool Fail(Classification.Rejected rejected, out WinEvent? winEvent, out Classification.Rejected? rejection)
    {
        winEvent = null;
        rejection = rejected;
        return false;
    }
}
