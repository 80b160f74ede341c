namespace CertExportGrid.Detection.Events;

/// <summary>
/// The fields of one Windows event that the detection reads, as they were recorded, before any
/// scope decision. Produced by <see cref="Parsing.EventXmlParser"/> from XmlWinEventLog markup, or
/// built by the gateway from a collector's pre-parsed fields.
/// </summary>
public sealed record WinEvent
{
    /// <summary>System/Computer text, verbatim (null when the element is absent).</summary>
    public string? Computer { get; init; }

    /// <summary>System/Channel text.</summary>
    public string? Channel { get; init; }

    /// <summary>System/EventID as text (the element may carry a Qualifiers attribute; only the text counts).</summary>
    public string? EventId { get; init; }

    /// <summary>System/EventRecordID as text.</summary>
    public string? RecordId { get; init; }

    /// <summary>System/TimeCreated/@SystemTime as text, exactly as written.</summary>
    public string? SystemTime { get; init; }

    /// <summary>
    /// Already-resolved event time (pre-parsed input). When set, <see cref="SystemTime"/> is ignored.
    /// </summary>
    public DateTime? TimeCreatedUtc { get; init; }

    /// <summary>Every leaf SubjectName under UserData, XML-decoded, in document order.</summary>
    public IReadOnlyList<string> SubjectNames { get; init; } = [];

    /// <summary>The raw inner markup of &lt;UserData&gt; (Splunk's UserData_Xml); null when UserData is absent.</summary>
    public string? UserDataXml { get; init; }

    /// <summary>CertNotificationData ProcessName (attribute or child element).</summary>
    public string? ProcessName { get; init; }

    /// <summary>CertNotificationData AccountName (attribute or child element).</summary>
    public string? AccountName { get; init; }

    /// <summary>CertNotificationData Context (attribute or child element).</summary>
    public string? Context { get; init; }

    /// <summary>CertificateDetails/@Thumbprint.</summary>
    public string? Thumbprint { get; init; }

    /// <summary>System/Security/@UserID (the exporting user's SID).</summary>
    public string? UserSid { get; init; }
}
