using System.Xml;
using CertExportGrid.Detection.Events;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// One pass over an event's nodes, picking out the fields the detection reads straight into
/// strings. Elements are matched by local name only: forwarded events and UserData payloads carry
/// their own namespaces. System fields are read only from direct children of the root's System
/// element, so the localized copies in a forwarded event's RenderingInfo are never mistaken for them.
/// </summary>
internal sealed class EventFieldReader
{
    private readonly XmlReader _reader;
    private readonly IXmlLineInfo _lineInfo;
    private readonly ParserLimits _limits;
    private readonly ReadOnlyMemory<char> _parsed;
    private readonly ReadOnlyMemory<char> _original;
    private readonly ControlCharEscaper? _escaper;
    private LineMap _lines;

    private Section _section;
    private bool _userDataSeen;
    private int _userDataInnerStart;
    private Field _capture;
    private string? _captureText;

    private string? _computer, _channel, _eventId, _recordId, _systemTime, _userSid;
    private string? _processName, _accountName, _context, _thumbprint, _userDataXml;
    private List<string>? _subjectNames;

    /// <param name="parsed">The text the reader reads (escaped when control characters were present).</param>
    /// <param name="original">The caller's text, from which UserData_Xml is cut byte for byte.</param>
    public EventFieldReader(XmlReader reader, ParserLimits limits, ReadOnlyMemory<char> parsed,
        ReadOnlyMemory<char> original, ControlCharEscaper? escaper)
    {
        _reader = reader;
        _lineInfo = (IXmlLineInfo)reader;
        _limits = limits;
        _parsed = parsed;
        _original = original;
        _escaper = escaper;
        _lines = new LineMap(parsed);
    }

    private enum Section : byte { None, System, UserData, Other }

    private enum Field : byte { None, Computer, Channel, EventId, RecordId, SubjectName, ProcessName, AccountName, Context }

    /// <summary>Reads to the end of the document; returns a rejection, or null when the event is usable.</summary>
    /// <exception cref="XmlException">The markup is not well-formed (or carries a DTD).</exception>
    public Classification.Rejected? ReadToEnd()
    {
        while (_reader.Read())
        {
            switch (_reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (OnElement() is { } rejected)
                    {
                        return rejected;
                    }

                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    // Only read Value when it is wanted: XmlReader materializes text lazily.
                    if (_capture != Field.None)
                    {
                        _captureText = _captureText is null ? _reader.Value : string.Concat(_captureText, _reader.Value);
                    }

                    break;
                case XmlNodeType.EndElement:
                    OnEndElement();
                    break;
            }
        }

        return null;
    }

    public WinEvent ToWinEvent() => new()
    {
        Computer = _computer,
        Channel = _channel,
        EventId = _eventId,
        RecordId = _recordId,
        SystemTime = _systemTime,
        UserSid = _userSid,
        SubjectNames = _subjectNames ?? (IReadOnlyList<string>)[],
        UserDataXml = _userDataXml,
        ProcessName = _processName,
        AccountName = _accountName,
        Context = _context,
        Thumbprint = _thumbprint,
    };

    private Classification.Rejected? OnElement()
    {
        var depth = _reader.Depth;
        if (depth + 1 > _limits.MaxDepth)
        {
            return new(RejectionCode.TooDeep,
                $"Elements nest deeper than {_limits.MaxDepth} levels (line {_lineInfo.LineNumber}, position {_lineInfo.LinePosition}).");
        }

        if (_reader.AttributeCount > _limits.MaxAttributesPerElement)
        {
            return new(RejectionCode.TooLarge,
                $"An element has {_reader.AttributeCount} attributes; the limit is {_limits.MaxAttributesPerElement} (line {_lineInfo.LineNumber}, position {_lineInfo.LinePosition}).");
        }

        // A child element means the element being captured is not a leaf: xmlkv ignores such text.
        _capture = Field.None;
        _captureText = null;

        var name = _reader.LocalName;
        switch (depth)
        {
            case 0:
                return name == "Event"
                    ? null
                    : new(RejectionCode.NotAnEvent, $"The root element is <{Clip(_reader.Name)}>, not <Event>.");
            case 1:
                _section = name switch
                {
                    "System" => Section.System,
                    "UserData" when !_userDataSeen => Section.UserData, // a second UserData is not Windows output; the first one counts
                    _ => Section.Other,
                };
                if (_section == Section.UserData)
                {
                    OnUserDataStart();
                }

                return null;
            case 2 when _section == Section.System:
                OnSystemChild(name);
                return null;
            default:
                if (_section == Section.UserData)
                {
                    OnUserDataElement(name);
                }

                return null;
        }
    }

    private void OnSystemChild(string name)
    {
        switch (name)
        {
            case "Computer": Capture(Field.Computer); break;
            case "Channel": Capture(Field.Channel); break;
            case "EventID": Capture(Field.EventId); break; // a Qualifiers attribute is ignored: only the text is the id
            case "EventRecordID": Capture(Field.RecordId); break;
            case "TimeCreated": _systemTime ??= _reader.GetAttribute("SystemTime"); break;
            case "Security": _userSid ??= _reader.GetAttribute("UserID"); break;
        }
    }

    private void OnUserDataElement(string name)
    {
        switch (name)
        {
            case "SubjectName": Capture(Field.SubjectName); break;
            case "ProcessName": Capture(Field.ProcessName); break;
            case "AccountName": Capture(Field.AccountName); break;
            case "Context": Capture(Field.Context); break;
            case "CertNotificationData":
                // Some renderers write these as attributes, others as child elements; the first seen wins.
                _processName ??= _reader.GetAttribute("ProcessName");
                _accountName ??= _reader.GetAttribute("AccountName");
                _context ??= _reader.GetAttribute("Context");
                break;
            case "CertificateDetails": _thumbprint ??= _reader.GetAttribute("Thumbprint"); break;
        }
    }

    private void Capture(Field field)
    {
        if (_reader.IsEmptyElement)
        {
            Commit(field, ""); // <SubjectName/> is a leaf with empty text; no EndElement follows
        }
        else
        {
            _capture = field;
        }
    }

    private void OnEndElement()
    {
        // Any child element clears the capture, so an active capture here is a leaf closing.
        if (_capture != Field.None)
        {
            Commit(_capture, _captureText ?? "");
            _capture = Field.None;
            _captureText = null;
        }

        if (_reader.Depth == 1 && _section == Section.UserData)
        {
            // Positioned on the name after "</": the inner markup ends two chars earlier.
            var end = _lines.OffsetOf(_lineInfo.LineNumber, _lineInfo.LinePosition) - 2;
            _userDataXml = Original(_userDataInnerStart, end);
        }

        if (_reader.Depth == 1)
        {
            _section = Section.None;
        }
    }

    private void Commit(Field field, string text)
    {
        // System fields: the first occurrence wins, like Splunk's XmlWinEventLog extractions.
        // SubjectName: every one is kept in order; the classifier takes the last, as xmlkv does.
        switch (field)
        {
            case Field.Computer: _computer ??= text; break;
            case Field.Channel: _channel ??= text; break;
            case Field.EventId: _eventId ??= text; break;
            case Field.RecordId: _recordId ??= text; break;
            case Field.SubjectName: (_subjectNames ??= []).Add(text); break;
            case Field.ProcessName: _processName ??= text; break;
            case Field.AccountName: _accountName ??= text; break;
            case Field.Context: _context ??= text; break;
        }
    }

    private void OnUserDataStart()
    {
        _userDataSeen = true;
        if (_reader.IsEmptyElement)
        {
            _userDataXml = "";
            return;
        }

        var nameAt = _lines.OffsetOf(_lineInfo.LineNumber, _lineInfo.LinePosition);
        _userDataInnerStart = EndOfStartTag(_parsed.Span, nameAt) + 1;
    }

    // The first '>' outside a quoted attribute value closes a start tag. The reader has already
    // checked the tag, so quotes here can only be attribute delimiters.
    private static int EndOfStartTag(ReadOnlySpan<char> text, int from)
    {
        var quote = '\0';
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return i;
            }
        }

        throw new InvalidOperationException("The reader reported a start tag that has no end.");
    }

    private string Original(int parsedStart, int parsedEnd)
    {
        var start = _escaper?.ToOriginalOffset(parsedStart) ?? parsedStart;
        var end = _escaper?.ToOriginalOffset(parsedEnd) ?? parsedEnd;
        return _original.Span[start..end].ToString();
    }

    private static string Clip(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");
}
