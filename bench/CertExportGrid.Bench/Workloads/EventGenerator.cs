using System.Globalization;
using System.Text;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Parsing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CertExportGrid.Bench.Workloads;

/// <summary>One generated event in both wire forms the collectors use.</summary>
public sealed record GeneratedEvent(byte[] XmlUtf8, ParsedEvent? Parsed, string Dest, string Subject, bool InScope);

/// <summary>
/// Realistic Lifecycle events shaped like Windows' own output (and samples/*.xml): a full System
/// block, CertNotificationData with attributes, CertificateDetails, several SubjectNames, EKUs.
/// Every event has its own EventRecordID and SystemTime, so nothing is de-duplicated away.
/// </summary>
public sealed class EventGenerator(string runTag)
{
    private static readonly string[] s_processes = ["certutil.exe", "mmc.exe", "powershell.exe", "svchost.exe", "certmgr.exe"];
    private static readonly string[] s_accounts = [@"CORP\adm.jkowalski", @"CORP\svc-backup", @"NT AUTHORITY\SYSTEM", @"CORP\m.nakamura"];
    private static readonly int[] s_noiseIds = [1001, 1004, 1006];
    private static readonly DateTime s_epoch = new(2026, 3, 10, 8, 0, 0, DateTimeKind.Utc);

    private long _record = 1_000;

    /// <summary>Host of key <paramref name="keyIndex"/>: 4 subjects per host, so 100 keys = 25 hosts.</summary>
    public string DestOf(int keyIndex) => $"WKS-{runTag}-{keyIndex / 4:D6}.corp.example.test";

    public string SubjectOf(int keyIndex) => $"CN=app{keyIndex % 4}.wks{keyIndex / 4:D6}.corp.example.test, O=Example Test Corp, C=US";

    /// <summary>An export (1007) of key <paramref name="keyIndex"/>; with <paramref name="eventId"/> another lifecycle event.</summary>
    public GeneratedEvent Next(int keyIndex, bool withParsed, int eventId = 1007)
    {
        var record = Interlocked.Increment(ref _record);
        var time = s_epoch.AddTicks(record * 1_234_567);
        var dest = DestOf(keyIndex);
        var subject = SubjectOf(keyIndex);
        var userChannel = record % 5 == 0;
        var channel = userChannel ? ExportEventClassifier.UserChannel : ExportEventClassifier.SystemChannel;
        var process = s_processes[record % s_processes.Length];
        var account = s_accounts[record % s_accounts.Length];
        var thumbprint = Thumbprint(keyIndex);
        var dns = $"app{keyIndex % 4}.wks{keyIndex / 4:D6}.corp.example.test";
        var userData = string.Create(CultureInfo.InvariantCulture,
            $"<CertNotificationData ProcessName='{process}' AccountName='{Escape(account)}' Context='{(userChannel ? "User" : "Machine")}'><CertificateDetails Thumbprint='{thumbprint}'><Template Name='WebServer'/><SubjectNames><SubjectName>{dns}</SubjectName><SubjectName>www.{dns}</SubjectName><SubjectName>{subject}</SubjectName></SubjectNames><EKUs><EKU Name='Server Authentication' OID='1.3.6.1.5.5.7.3.1'/><EKU Name='Client Authentication' OID='1.3.6.1.5.5.7.3.2'/></EKUs><NotValidAfter>2027-01-15T08:00:00Z</NotValidAfter></CertificateDetails></CertNotificationData>");
        var systemTime = time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        var sid = $"S-1-5-21-3623811015-3361044348-30300820-{5100 + (record % 40)}";
        var xml = string.Create(CultureInfo.InvariantCulture,
            $"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-CertificateServicesClient-Lifecycle-{(userChannel ? "User" : "System")}' Guid='{{bc0669e1-a10d-4a78-834e-1ca3c806c93b}}'/><EventID>{eventId}</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='{systemTime}'/><EventRecordID>{record}</EventRecordID><Correlation ActivityID='{{{Guid(record)}}}'/><Execution ProcessID='{1000 + (record % 7000)}' ThreadID='{2000 + (record % 9000)}'/><Channel>{channel}</Channel><Computer>{dest}</Computer><Security UserID='{sid}'/></System><UserData>{userData}</UserData></Event>");

        ParsedEvent? parsed = null;
        if (withParsed)
        {
            parsed = new ParsedEvent
            {
                Computer = dest,
                Channel = channel,
                EventId = (uint)eventId,
                RecordId = (ulong)record,
                TimeCreated = Timestamp.FromDateTime(time),
                UserDataXml = userData,
                ProcessName = process,
                AccountName = account,
                Context = userChannel ? "User" : "Machine",
                Thumbprint = thumbprint,
                UserSid = sid,
            };
            parsed.SubjectNames.Add([dns, $"www.{dns}", subject]);
        }

        return new GeneratedEvent(Encoding.UTF8.GetBytes(xml), parsed, dest, subject, eventId == 1007);
    }

    /// <summary>
    /// <paramref name="count"/> events over <paramref name="keys"/> keys, round robin. With
    /// <paramref name="noisePercent"/>, that share are out-of-scope lifecycle events (1001/1004/1006).
    /// </summary>
    public List<GeneratedEvent> Generate(int count, int keys, bool withParsed, int noisePercent = 0)
    {
        var events = new List<GeneratedEvent>(count);
        var random = new Random(42);
        for (var i = 0; i < count; i++)
        {
            var noise = noisePercent > 0 && random.Next(100) < noisePercent;
            events.Add(Next(i % keys, withParsed, noise ? s_noiseIds[i % s_noiseIds.Length] : 1007));
        }

        return events;
    }

    /// <summary>Cuts events into wire batches (raw XML as UTF-8 bytes, or pre-parsed).</summary>
    public static EventBatch[] ToBatches(IReadOnlyList<GeneratedEvent> events, int batchSize, bool parsed, string prefix)
    {
        var batches = new EventBatch[(events.Count + batchSize - 1) / batchSize];
        for (var b = 0; b < batches.Length; b++)
        {
            var batch = new EventBatch { BatchId = $"{prefix}-{b}" };
            for (var i = b * batchSize; i < Math.Min(events.Count, (b + 1) * batchSize); i++)
            {
                batch.Events.Add(parsed
                    ? new Event { Parsed = events[i].Parsed ?? throw new InvalidOperationException("generated without parsed form") }
                    : new Event { XmlUtf8 = UnsafeByteOperations.UnsafeWrap(events[i].XmlUtf8) });
            }

            batches[b] = batch;
        }

        return batches;
    }

    private static string Thumbprint(int keyIndex)
    {
        var hash = (uint)keyIndex * 2654435761u;
        return string.Create(CultureInfo.InvariantCulture, $"{hash:x8}3655273257456796681bfed3{keyIndex:x8}");
    }

    private static string Guid(long record)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, record * 7919);
        BitConverter.TryWriteBytes(bytes[8..], record ^ 0x5bd1e995);
        return new System.Guid(bytes).ToString("D").ToUpperInvariant();
    }

    private static string Escape(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("'", "&apos;", StringComparison.Ordinal);
}
