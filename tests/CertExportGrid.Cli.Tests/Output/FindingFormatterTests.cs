using System.Text.Json;
using CertExportGrid.Cli.Output;
using CertExportGrid.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;

namespace CertExportGrid.Cli.Tests.Output;

public class FindingFormatterTests
{
    private static Finding Sample()
    {
        var f = new Finding
        {
            Dest = "WKS-0142.corp.example.test",
            Subject = "vpn-0142.corp.example.test",
            Count = 2,
            FirstTime = new Timestamp { Seconds = 1715677953, Nanos = 456789100 },
            LastTime = new Timestamp { Seconds = 1715678102 },
            FirstTimeSplunk = "2024-05-14T09:12:33",
            LastTimeSplunk = "2024-05-14T09:15:02",
            Version = 7,
            RiskMessage = "An certificate was exported on WKS-0142.corp.example.test from the Windows Certificate Store.",
            RowCount = 1,
            Rule = new RuleInfo
            {
                Id = "d8ddfa9b-b724-4df9-9dbe-f34cc0936714",
                Name = "Windows Export Certificate",
                Version = 11,
                RiskScore = 20,
                AnalyticStory = "Windows Certificate Services",
                Type = "Anomaly",
            },
            LastExport = new ExportDetails
            {
                ProcessName = "powershell.exe",
                AccountName = "EXAMPLE\\it.ops",
                Thumbprint = "a72e",
                Channel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
                RecordId = 42,
                UserSid = "S-1-5-21-1-2-3-1104",
                Context = "Machine",
                TimeCreated = new Timestamp { Seconds = 1715678102 },
            },
        };
        f.SubjectNames.Add("CN=vpn-0142.corp.example.test, O=Example & Co <Test>");
        f.SubjectNames.Add("vpn-0142.corp.example.test");
        f.Rule.MitreAttackIds.Add("T1552.004");
        f.Rule.MitreAttackIds.Add("T1649");
        f.Collectors.Add("collector-branch-01");
        f.Collectors.Add("collector-hq");
        f.LastCollector = "collector-hq";
        f.SuppressedCount = 3;
        return f;
    }

    [Fact]
    public void ToJsonLine_Finding_HasTheDocumentedFieldsAndValues()
    {
        var line = FindingFormatter.ToJsonLine(Sample());

        Assert.DoesNotContain('\n', line);
        var root = JsonDocument.Parse(line).RootElement;
        Assert.Equal(
            ["dest", "subject", "count", "firstTime", "lastTime", "firstTimeSplunk", "lastTimeSplunk", "version", "rowCount", "subjectNames", "riskMessage", "rule", "lastExport",
             "collectors", "lastCollector", "suppressed", "suppressedCount"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("WKS-0142.corp.example.test", root.GetProperty("dest").GetString());
        Assert.Equal("vpn-0142.corp.example.test", root.GetProperty("subject").GetString());
        Assert.Equal(2, root.GetProperty("count").GetInt64());
        Assert.Equal("2024-05-14T09:12:33.4567891Z", root.GetProperty("firstTime").GetString());
        Assert.Equal("2024-05-14T09:15:02.0000000Z", root.GetProperty("lastTime").GetString());
        Assert.Equal("2024-05-14T09:12:33", root.GetProperty("firstTimeSplunk").GetString());
        Assert.Equal("2024-05-14T09:15:02", root.GetProperty("lastTimeSplunk").GetString());
        Assert.Equal(7, root.GetProperty("version").GetInt64());
        Assert.Equal(["CN=vpn-0142.corp.example.test, O=Example & Co <Test>", "vpn-0142.corp.example.test"],
            root.GetProperty("subjectNames").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("An certificate was exported on WKS-0142", root.GetProperty("riskMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(["collector-branch-01", "collector-hq"], root.GetProperty("collectors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("collector-hq", root.GetProperty("lastCollector").GetString());
        Assert.False(root.GetProperty("suppressed").GetBoolean());
        Assert.Equal(3, root.GetProperty("suppressedCount").GetInt64());
    }

    [Fact]
    public void ToJsonLine_SuppressedFinding_SaysSo()
    {
        var finding = Sample();
        finding.Suppressed = true;

        var root = JsonDocument.Parse(FindingFormatter.ToJsonLine(finding, type: "finding", position: "1.2", withPosition: true)).RootElement;

        Assert.True(root.GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public void ToJsonLine_RuleAndLastExport_AreNestedObjects()
    {
        var root = JsonDocument.Parse(FindingFormatter.ToJsonLine(Sample())).RootElement;

        var rule = root.GetProperty("rule");
        Assert.Equal("d8ddfa9b-b724-4df9-9dbe-f34cc0936714", rule.GetProperty("id").GetString());
        Assert.Equal(11, rule.GetProperty("version").GetInt32());
        Assert.Equal(20, rule.GetProperty("riskScore").GetInt32());
        Assert.Equal(["T1552.004", "T1649"], rule.GetProperty("mitreAttackIds").EnumerateArray().Select(e => e.GetString()));
        var export = root.GetProperty("lastExport");
        Assert.Equal("powershell.exe", export.GetProperty("processName").GetString());
        Assert.Equal("EXAMPLE\\it.ops", export.GetProperty("accountName").GetString());
        Assert.Equal(42, export.GetProperty("recordId").GetInt64());
        Assert.Equal("Machine", export.GetProperty("context").GetString());
        Assert.Equal("2024-05-14T09:15:02.0000000Z", export.GetProperty("timeCreated").GetString());
    }

    [Fact]
    public void ToJsonLine_SpecialCharacters_AreReadableNotHtmlEscaped()
    {
        var line = FindingFormatter.ToJsonLine(Sample());

        Assert.Contains("Example & Co <Test>", line);
        Assert.Contains("EXAMPLE\\\\it.ops", line);
    }

    [Fact]
    public void ToJsonLine_WithType_PutsTypeFirst()
    {
        var root = JsonDocument.Parse(FindingFormatter.ToJsonLine(Sample(), type: "finding")).RootElement;

        Assert.Equal("type", root.EnumerateObject().First().Name);
        Assert.Equal("finding", root.GetProperty("type").GetString());
        Assert.Equal("WKS-0142.corp.example.test", root.GetProperty("dest").GetString());
    }

    [Fact]
    public void ToJsonLine_MissingTimesRuleAndExport_AreNull()
    {
        var root = JsonDocument.Parse(FindingFormatter.ToJsonLine(new Finding { Dest = "d", Subject = "s" })).RootElement;

        Assert.Equal(JsonValueKind.Null, root.GetProperty("firstTime").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lastTime").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("rule").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lastExport").ValueKind);
        Assert.Equal(0, root.GetProperty("subjectNames").GetArrayLength());
        Assert.Equal(0, root.GetProperty("collectors").GetArrayLength());
        Assert.Equal("", root.GetProperty("lastCollector").GetString());
        Assert.False(root.GetProperty("suppressed").GetBoolean());
        Assert.Equal(0, root.GetProperty("suppressedCount").GetInt64());
    }

    [Fact]
    public void ToJsonLine_ExtremeYears_KeepSevenDigitFormat()
    {
        var f = new Finding
        {
            Dest = "d",
            Subject = "s",
            FirstTime = new Timestamp { Seconds = -11644473600L },
            LastTime = new Timestamp { Seconds = 253402300799L, Nanos = 999999900 },
        };

        var root = JsonDocument.Parse(FindingFormatter.ToJsonLine(f)).RootElement;

        Assert.Equal("1601-01-01T00:00:00.0000000Z", root.GetProperty("firstTime").GetString());
        Assert.Equal("9999-12-31T23:59:59.9999999Z", root.GetProperty("lastTime").GetString());
    }

    [Fact]
    public void GapAndSnapshotJson_HaveTypeAndCounts()
    {
        Assert.Equal("""{"type":"gap","dropped":12,"reason":"subscriber buffer full"}""",
            FindingFormatter.GapJson(new Gap { Dropped = 12, Reason = "subscriber buffer full" }));
        Assert.Equal("""{"type":"snapshotComplete","count":3,"position":"7.42"}""",
            FindingFormatter.SnapshotCompleteJson(new SnapshotComplete { Count = 3 }, "7.42"));
        Assert.Equal("""{"type":"snapshotComplete","count":3,"position":null}""",
            FindingFormatter.SnapshotCompleteJson(new SnapshotComplete { Count = 3 }));
    }

    [Fact]
    public void ResumeExpiredJson_HasTypeRequestedAndReason()
    {
        Assert.Equal("""{"type":"resume_expired","requested":"3.9","reason":"gateway restarted"}""",
            FindingFormatter.ResumeExpiredJson(new ResumeExpired { Requested = "3.9", Reason = "gateway restarted" }));
    }

    [Fact]
    public void ToJsonLine_WithPosition_PutsItAfterType()
    {
        var line = FindingFormatter.ToJsonLine(new Finding { Dest = "d", Subject = "s" }, type: "finding", position: "5.1", withPosition: true);

        Assert.StartsWith("""{"type":"finding","position":"5.1","dest":"d",""", line);
    }

    [Fact]
    public void Sorted_OrdersByDestThenSubjectOrdinally()
    {
        Finding F(string d, string s) => new() { Dest = d, Subject = s };

        var sorted = FindingFormatter.Sorted([F("b", "x"), F("a", "z"), F("a", "Z"), F("B", "a"), F("a", "é")]);

        Assert.Equal([("B", "a"), ("a", "Z"), ("a", "z"), ("a", "é"), ("b", "x")], sorted.Select(f => (f.Dest, f.Subject)));
    }

    [Fact]
    public void ToSplunkLines_HeaderThenSortedTabSeparatedRows()
    {
        SplunkRow Row(string xml, ulong count) => new()
        {
            Dest = "WKS-1", SubjectName = "wks-1", UserDataXml = xml, Count = count,
            FirstTime = "2024-05-14T09:12:33", LastTime = "2024-05-14T09:15:02",
        };

        var lines = FindingFormatter.ToSplunkLines([Row("<B/>", 1), Row("<A>x\ty</A>", 2)]).ToList();

        Assert.Equal("dest\tSubjectName\tUserData_Xml\tcount\tfirstTime\tlastTime", lines[0]);
        Assert.Equal("WKS-1\twks-1\t<A>x\\ty</A>\t2\t2024-05-14T09:12:33\t2024-05-14T09:15:02", lines[1]);
        Assert.Equal("WKS-1\twks-1\t<B/>\t1\t2024-05-14T09:12:33\t2024-05-14T09:15:02", lines[2]);
    }

    [Fact]
    public void ToTable_RendersEveryColumnWithoutInterpretingMarkup()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No });
        console.Profile.Width = 250;
        var finding = Sample();
        finding.Subject = "[red]vpn[/]";

        console.Write(FindingFormatter.ToTable([finding]));

        var text = writer.ToString();
        foreach (var expected in new[] { "dest", "subject", "count", "firstTime", "lastTime", "WKS-0142.corp.example.test", "[red]vpn[/]", "2024-05-14T09:12:33.4567891Z", "2024-05-14T09:15:02.0000000Z" })
            Assert.Contains(expected, text);
    }

    [Fact]
    public void ToWatchLine_ShowsArrivalKeyCountSpanAndVersion()
    {
        var line = FindingFormatter.ToWatchLine(Sample(), new DateTime(2024, 5, 14, 9, 15, 3, DateTimeKind.Utc));

        Assert.Equal(
            "2024-05-14T09:15:03Z  WKS-0142.corp.example.test  vpn-0142.corp.example.test  count=2  2024-05-14T09:12:33.4567891Z..2024-05-14T09:15:02.0000000Z  v7",
            line);
    }

    [Fact]
    public void ToWatchLine_SuppressedFinding_EndsWithSuppressed()
    {
        var finding = Sample();
        finding.Suppressed = true;

        Assert.EndsWith("  v7  suppressed", FindingFormatter.ToWatchLine(finding, new DateTime(2024, 5, 14, 9, 15, 3, DateTimeKind.Utc)));
    }

    [Fact]
    public void ToTable_WithSuppressed_AddsAColumnMarkingHiddenFindings()
    {
        string Render(bool withSuppressed)
        {
            var writer = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No });
            console.Profile.Width = 250;
            var hidden = Sample();
            hidden.Suppressed = true;
            var shown = Sample();
            shown.Subject = "other";
            console.Write(FindingFormatter.ToTable([hidden, shown], withSuppressed));
            return writer.ToString();
        }

        Assert.DoesNotContain("suppressed", Render(withSuppressed: false));
        var lines = Render(withSuppressed: true).Split('\n');
        Assert.Contains(lines, l => l.Contains("suppressed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("vpn-0142", StringComparison.Ordinal) && l.Contains("yes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("other", StringComparison.Ordinal) && !l.Contains("yes", StringComparison.Ordinal));
    }
}
