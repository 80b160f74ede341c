using System.Text;

namespace CertExportGrid.Cli.Tests;

/// <summary>Event lines and temporary files for tests, built rather than pasted.</summary>
internal static class TestData
{
    public const string SystemChannel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational";

    public static string Event(string computer = "WKS-01.corp.example.test", long recordId = 1, string time = "2024-05-14T09:12:33.4567891Z", string subject = "WKS-01.corp.example.test") =>
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        + "<Provider Name='Microsoft-Windows-CertificateServicesClient-Lifecycle-System' Guid='{bc0669e1-a10d-4a78-834e-1ca3c806c93b}'/>"
        + $"<EventID>1007</EventID><TimeCreated SystemTime='{time}'/><EventRecordID>{recordId}</EventRecordID>"
        + $"<Channel>{SystemChannel}</Channel><Computer>{computer}</Computer></System>"
        + $"<UserData><CertNotificationData ProcessName='certutil.exe'><CertificateDetails Thumbprint='00aa'><SubjectNames><SubjectName>{subject}</SubjectName></SubjectNames></CertificateDetails></CertNotificationData></UserData></Event>";

    /// <summary>Events with record ids 1..count (distinct, so each can be told apart in what was sent), one per line.</summary>
    public static string Lines(int count, int firstRecordId = 1) =>
        string.Concat(Enumerable.Range(firstRecordId, count).Select(i => Event(recordId: i) + "\n"));

    /// <summary>The record id inside a sent event's XML.</summary>
    public static long RecordId(CertExportGrid.Contracts.V1.Event e)
    {
        var xml = e.PayloadCase == CertExportGrid.Contracts.V1.Event.PayloadOneofCase.Xml ? e.Xml : e.XmlUtf8.ToStringUtf8();
        var start = xml.IndexOf("<EventRecordID>", StringComparison.Ordinal) + "<EventRecordID>".Length;
        return long.Parse(xml.AsSpan(start, xml.IndexOf('<', start) - start), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static byte[] Utf8(string text, bool bom = false) =>
        bom ? [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);

    public static byte[] Utf16Le(string text) => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)];

    /// <summary>A file in a fresh temp directory; deleted with the directory when the test disposes it.</summary>
    public static TempDirectory TempDir() => new();

    internal sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cli-tests-").FullName;

        public string File(string name, byte[] content)
        {
            var path = System.IO.Path.Combine(Path, name);
            System.IO.File.WriteAllBytes(path, content);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
