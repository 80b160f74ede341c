using System.Text;
using CertExportGrid.Detection.Parsing;

namespace CertExportGrid.Detection.Tests.Support;

/// <summary>
/// Builds one event 1007 in XmlWinEventLog form (one line, single quotes, as Splunk holds it).
/// Defaults follow the SPEC §3 sample; each With... call changes one aspect. Values passed as
/// "markup" are inserted verbatim, so tests can write entities and references themselves.
/// </summary>
internal sealed class EventXmlBuilder
{
    private string _channel = ExportEventClassifier.SystemChannel;
    private string _eventIdElement = "<EventID>1007</EventID>";
    private string? _computerMarkup = "WKS-042.corp.example";
    private string? _systemTime = "2026-05-04T14:07:33.5127481Z";
    private string? _recordId = "2048";
    private string[] _subjectMarkup = ["CN=WKS-042.corp.example", "WKS-042.corp.example"];
    private bool _processFieldsAsElements;
    private string _processName = "powershell.exe";
    private string _accountName = @"CORP\jdoe";
    private string _context = "Machine";
    private bool _template = true;
    private string? _payloadNamespace;
    private string? _renderingInfo;
    private bool _userData = true;
    private string _userDataAttributes = "";
    private string _sep = "";

    public EventXmlBuilder WithChannel(string channel) { _channel = channel; return this; }

    public EventXmlBuilder WithEventIdElement(string element) { _eventIdElement = element; return this; }

    public EventXmlBuilder WithEventId(string id) => WithEventIdElement($"<EventID>{id}</EventID>");

    public EventXmlBuilder WithComputerMarkup(string? markup) { _computerMarkup = markup; return this; }

    public EventXmlBuilder WithSystemTime(string? systemTime) { _systemTime = systemTime; return this; }

    public EventXmlBuilder WithRecordId(string? recordId) { _recordId = recordId; return this; }

    public EventXmlBuilder WithSubjectMarkup(params string[] subjects) { _subjectMarkup = subjects; return this; }

    public EventXmlBuilder WithProcessFields(string processName, string accountName, string context, bool asElements)
    {
        (_processName, _accountName, _context, _processFieldsAsElements) = (processName, accountName, context, asElements);
        return this;
    }

    public EventXmlBuilder WithoutTemplate() { _template = false; return this; }

    /// <summary>Gives CertNotificationData its own default namespace, as some providers' payloads do.</summary>
    public EventXmlBuilder WithPayloadNamespace(string ns) { _payloadNamespace = ns; return this; }

    /// <summary>Appends a forwarded event's RenderingInfo block (localized text) after UserData.</summary>
    public EventXmlBuilder WithRenderingInfo(string culture, string message, string level, string channel)
    {
        _renderingInfo = $"<RenderingInfo Culture='{culture}'><Message>{message}</Message><Level>{level}</Level>"
            + $"<Task></Task><Opcode>Info</Opcode><Channel>{channel}</Channel><Provider>Microsoft-Windows-CertificateServicesClient-Lifecycle-System</Provider>"
            + "<Keywords></Keywords></RenderingInfo>";
        return this;
    }

    public EventXmlBuilder WithoutUserData() { _userData = false; return this; }

    public EventXmlBuilder WithUserDataAttributes(string attributes) { _userDataAttributes = attributes; return this; }

    /// <summary>Puts this text between elements (e.g. "\r\n  ") to imitate pretty-printed output.</summary>
    public EventXmlBuilder WithSeparator(string separator) { _sep = separator; return this; }

    public string BuildUserDataInner()
    {
        var b = new StringBuilder();
        var ns = _payloadNamespace is null ? "" : $" xmlns='{_payloadNamespace}'";
        if (_processFieldsAsElements)
        {
            b.Append($"<CertNotificationData{ns}>{_sep}<ProcessName>{_processName}</ProcessName>{_sep}<AccountName>{_accountName}</AccountName>{_sep}<Context>{_context}</Context>{_sep}");
        }
        else
        {
            b.Append($"<CertNotificationData{ns} ProcessName='{_processName}' AccountName='{_accountName}' Context='{_context}'>{_sep}");
        }

        b.Append($"<CertificateDetails Thumbprint='3f9a0c6e2b7d41f8a5c09e1d7b2f64a8c3e5d901'>{_sep}");
        if (_template)
        {
            b.Append($"<Template Name='Machine'/>{_sep}");
        }

        b.Append("<SubjectNames>");
        foreach (var subject in _subjectMarkup)
        {
            b.Append($"{_sep}<SubjectName>{subject}</SubjectName>");
        }

        b.Append($"{_sep}</SubjectNames>{_sep}<EKUs><EKU Name='Client Authentication' OID='1.3.6.1.5.5.7.3.2'/></EKUs>{_sep}");
        b.Append($"<NotValidAfter>2027-05-04T14:00:00Z</NotValidAfter>{_sep}</CertificateDetails>{_sep}</CertNotificationData>");
        return b.ToString();
    }

    public string Build()
    {
        var s = _sep;
        var b = new StringBuilder();
        b.Append("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>").Append(s).Append("<System>").Append(s);
        b.Append("<Provider Name='Microsoft-Windows-CertificateServicesClient-Lifecycle-System' Guid='{bc0669e1-a10d-4a78-834e-1ca3c806c93b}'/>").Append(s);
        b.Append(_eventIdElement).Append(s);
        b.Append("<Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>").Append(s);
        b.Append(_systemTime is null ? "<TimeCreated/>" : $"<TimeCreated SystemTime='{_systemTime}'/>").Append(s);
        if (_recordId is not null)
        {
            b.Append($"<EventRecordID>{_recordId}</EventRecordID>").Append(s);
        }

        b.Append("<Correlation ActivityID='{6B1E2A47-3C9D-0001-8F2E-4A7C91D3DC01}'/><Execution ProcessID='6120' ThreadID='7344'/>").Append(s);
        b.Append($"<Channel>{_channel}</Channel>").Append(s);
        if (_computerMarkup is not null)
        {
            b.Append($"<Computer>{_computerMarkup}</Computer>").Append(s);
        }

        b.Append("<Security UserID='S-1-5-21-1111111111-2222222222-3333333333-1104'/>").Append(s).Append("</System>").Append(s);
        if (_userData)
        {
            b.Append($"<UserData{_userDataAttributes}>").Append(BuildUserDataInner()).Append("</UserData>").Append(s);
        }

        b.Append(_renderingInfo).Append("</Event>");
        return b.ToString();
    }
}
