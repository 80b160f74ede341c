using System.Security;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Builds one-line XmlWinEventLog event 1007 markup for tests, varying only what a test needs.</summary>
public sealed record EventXml
{
    public string Computer { get; init; } = "WKS-9000.corp.example.test";
    public string Channel { get; init; } = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational";
    public int EventId { get; init; } = 1007;
    public long RecordId { get; init; } = 1;
    public string SystemTime { get; init; } = "2024-06-01T10:00:00.0000000Z";
    public string[] SubjectNames { get; init; } = ["CN=test-cert, O=Example Test Corp"];
    public string ProcessName { get; init; } = "powershell.exe";
    public string AccountName { get; init; } = @"EXAMPLE\it.ops";

    public string Render()
    {
        var names = string.Concat(SubjectNames.Select(name => $"<SubjectName>{SecurityElement.Escape(name)}</SubjectName>"));
        return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>" +
            "<Provider Name='Microsoft-Windows-CertificateServicesClient-Lifecycle-System' Guid='{bc0669e1-a10d-4a78-834e-1ca3c806c93b}'/>" +
            $"<EventID>{EventId}</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>" +
            $"<TimeCreated SystemTime='{SystemTime}'/><EventRecordID>{RecordId}</EventRecordID>" +
            $"<Channel>{SecurityElement.Escape(Channel)}</Channel><Computer>{SecurityElement.Escape(Computer)}</Computer>" +
            "<Security UserID='S-1-5-21-1000000001-2000000002-3000000003-1104'/></System>" +
            $"<UserData><CertNotificationData><ProcessName>{SecurityElement.Escape(ProcessName)}</ProcessName><AccountName>{SecurityElement.Escape(AccountName)}</AccountName>" +
            "<Context>Machine</Context><CertificateDetails Thumbprint='a72e5d4b748f263c7ac55ae1615468031ab0c92e'>" +
            $"<SubjectNames>{names}</SubjectNames></CertificateDetails></CertNotificationData></UserData></Event>";
    }
}
