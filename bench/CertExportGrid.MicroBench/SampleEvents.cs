using System.Text;

namespace CertExportGrid.MicroBench;

/// <summary>A realistic event 1007 as Windows renders it (same shape as samples/servers.xml).</summary>
internal static class SampleEvents
{
    public const string Export =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-CertificateServicesClient-Lifecycle-System' Guid='{bc0669e1-a10d-4a78-834e-1ca3c806c93b}'/>" +
        "<EventID>1007</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>" +
        "<TimeCreated SystemTime='2026-03-10T14:01:02.3040506Z'/><EventRecordID>15426</EventRecordID><Correlation ActivityID='{57A4111A-C670-BA97-C1C1-EC3CBAEEF64F}'/>" +
        "<Execution ProcessID='2384' ThreadID='6884'/><Channel>Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational</Channel>" +
        "<Computer>SRV-WEB01.corp.example.test</Computer><Security UserID='S-1-5-21-3623811015-3361044348-30300820-5102'/></System>" +
        "<UserData><CertNotificationData ProcessName='certutil.exe' AccountName='CORP\\adm.jkowalski' Context='Machine'><CertificateDetails Thumbprint='8048ea9c3655273257456796681bfed3b10914cc'>" +
        "<Template Name='WebServer'/><SubjectNames><SubjectName>CN=portal.corp.example.test, O=Example Test Corp, C=US</SubjectName><SubjectName>portal.corp.example.test</SubjectName>" +
        "<SubjectName>www.portal.corp.example.test</SubjectName></SubjectNames><EKUs><EKU Name='Server Authentication' OID='1.3.6.1.5.5.7.3.1'/></EKUs>" +
        "<NotValidAfter>2026-11-30T23:59:59Z</NotValidAfter></CertificateDetails></CertNotificationData></UserData></Event>";

    /// <summary>Out of scope: same shape, event 1006 (a lifecycle "certificate installed" event).</summary>
    public static readonly string Noise = Export.Replace("<EventID>1007</EventID>", "<EventID>1006</EventID>", StringComparison.Ordinal);

    public static readonly byte[] ExportUtf8 = Encoding.UTF8.GetBytes(Export);
}
