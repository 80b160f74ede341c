using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Grains;

namespace CertExportGrid.Node.Ingest;

/// <summary>Turns one wire event into the detection's classification, and an accepted export into a grain observation.</summary>
public sealed class ProtoEventMapper(EventXmlParser parser)
{
    public Classification Classify(Event wireEvent)
    {
        switch (wireEvent.PayloadCase)
        {
            case Event.PayloadOneofCase.Xml:
                return Classify(parser.TryParse(wireEvent.Xml, out var fromText, out var textRejection), fromText, textRejection);
            case Event.PayloadOneofCase.XmlUtf8:
                return Classify(parser.TryParse(wireEvent.XmlUtf8.Span, out var fromBytes, out var bytesRejection), fromBytes, bytesRejection);
            case Event.PayloadOneofCase.Parsed:
                return ClassifyParsed(wireEvent.Parsed);
            default:
                return new Classification.Rejected(RejectionCode.NotAnEvent, "The event has no payload (set xml, xml_utf8 or parsed).");
        }
    }

    public static ExportObservation ToObservation(CertExportEvent export, string collector) => new()
    {
        Collector = collector,
        UserDataXml = export.UserDataXml,
        TimeTicks = export.TimeCreatedUtc.Ticks,
        ChannelCode = (byte)export.Channel,
        Channel = export.ChannelText,
        RecordId = export.RecordId,
        SubjectNames = [.. export.SubjectNames],
        ProcessName = export.ProcessName,
        AccountName = export.AccountName,
        Context = export.Context,
        Thumbprint = export.Thumbprint,
        UserSid = export.UserSid,
    };

    private static Classification Classify(bool parsed, WinEvent? winEvent, Classification.Rejected? rejection) =>
        parsed ? ExportEventClassifier.Classify(winEvent!) : rejection!;

    /// <summary>
    /// Pre-parsed events come from our own collectors' code, not from Windows: a missing required
    /// field is a collector bug and is rejected, never silently ignored.
    /// </summary>
    private static Classification ClassifyParsed(ParsedEvent parsed)
    {
        var missing = parsed switch
        {
            { Computer: "" } => "computer",
            { Channel: "" } => "channel",
            { EventId: 0 } => "event_id",
            { TimeCreated: null } => "time_created",
            { UserDataXml: "" } => "user_data_xml",
            _ => null,
        };
        if (missing is not null)
        {
            return new Classification.Rejected(RejectionCode.MissingField, $"Parsed event lacks the required field '{missing}'.");
        }

        var seconds = parsed.TimeCreated!.Seconds;
        if (seconds < -62135596800L || seconds > 253402300799L || parsed.TimeCreated.Nanos is < 0 or > 999_999_999)
        {
            return new Classification.Rejected(RejectionCode.InvalidField, "time_created is outside 0001-01-01..9999-12-31 or has invalid nanos.");
        }

        return ExportEventClassifier.Classify(new WinEvent
        {
            Computer = parsed.Computer,
            Channel = parsed.Channel,
            EventId = parsed.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            RecordId = parsed.HasRecordId ? parsed.RecordId.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            TimeCreatedUtc = parsed.TimeCreated.ToDateTime(),
            SubjectNames = [.. parsed.SubjectNames],
            UserDataXml = parsed.UserDataXml,
            ProcessName = NullIfEmpty(parsed.ProcessName),
            AccountName = NullIfEmpty(parsed.AccountName),
            Context = NullIfEmpty(parsed.Context),
            Thumbprint = NullIfEmpty(parsed.Thumbprint),
            UserSid = NullIfEmpty(parsed.UserSid),
        });
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
