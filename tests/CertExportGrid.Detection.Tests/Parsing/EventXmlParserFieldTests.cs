using System.Text;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

/// <summary>What the parser reads out of well-formed events, in every shape SPEC §3 lists.</summary>
public class EventXmlParserFieldTests
{
    private static string InnerUserData(string xml)
    {
        var open = xml.IndexOf("<UserData", StringComparison.Ordinal);
        var start = xml.IndexOf('>', open) + 1;
        return xml[start..xml.IndexOf("</UserData>", StringComparison.Ordinal)];
    }

    [Fact]
    public void Parse_SpecSampleEvent_ReadsEveryField()
    {
        var ev = Parse.Ok(new EventXmlBuilder().Build());

        Assert.Equal("WKS-042.corp.example", ev.Computer);
        Assert.Equal(ExportEventClassifier.SystemChannel, ev.Channel);
        Assert.Equal("1007", ev.EventId);
        Assert.Equal("2048", ev.RecordId);
        Assert.Equal("2026-05-04T14:07:33.5127481Z", ev.SystemTime);
        Assert.Null(ev.TimeCreatedUtc);
        Assert.Equal("S-1-5-21-1111111111-2222222222-3333333333-1104", ev.UserSid);
        Assert.Equal(["CN=WKS-042.corp.example", "WKS-042.corp.example"], ev.SubjectNames);
        Assert.Equal("powershell.exe", ev.ProcessName);
        Assert.Equal(@"CORP\jdoe", ev.AccountName);
        Assert.Equal("Machine", ev.Context);
        Assert.Equal("3f9a0c6e2b7d41f8a5c09e1d7b2f64a8c3e5d901", ev.Thumbprint);
    }

    [Fact]
    public void Parse_UserDataXml_IsExactSubstringOfInput()
    {
        var builder = new EventXmlBuilder().WithSubjectMarkup("CN=R&amp;D, O=&quot;Q&quot;", "x&#x26;y");
        var xml = builder.Build();

        var ev = Parse.Ok(xml);

        // Raw markup, entities undecoded, exactly as between the tags.
        Assert.Equal(builder.BuildUserDataInner(), ev.UserDataXml);
        Assert.Equal(InnerUserData(xml), ev.UserDataXml);
        Assert.Contains("CN=R&amp;D", ev.UserDataXml);
    }

    [Fact]
    public void Parse_UserDataWithQuotedGreaterThanInAttribute_InnerMarkupStartsAfterTag()
    {
        var builder = new EventXmlBuilder().WithUserDataAttributes(" a='x>y' b=\"it's\"");
        var ev = Parse.Ok(builder.Build());
        Assert.Equal(builder.BuildUserDataInner(), ev.UserDataXml);
    }

    [Fact]
    public void Parse_EmptyUserDataElement_GivesEmptyMarkupAndNoSubjects()
    {
        var xml = new EventXmlBuilder().WithoutUserData().Build().Replace("</System>", "</System><UserData/>", StringComparison.Ordinal);
        var ev = Parse.Ok(xml);
        Assert.Equal("", ev.UserDataXml);
        Assert.Empty(ev.SubjectNames);
    }

    [Fact]
    public void Parse_NoUserData_UserDataXmlIsNull()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithoutUserData().Build());
        Assert.Null(ev.UserDataXml);
        Assert.Empty(ev.SubjectNames);
        Assert.Null(ev.ProcessName);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n\t  ")]
    public void Parse_PrettyPrintedEvent_UserDataXmlIsExactAcrossLineBreaks(string separator)
    {
        var builder = new EventXmlBuilder().WithSeparator(separator).WithProcessFields("certutil.exe", "CORP\\svc", "User", asElements: true);
        var xml = builder.Build();

        var ev = Parse.Ok(xml);

        Assert.Equal(InnerUserData(xml), ev.UserDataXml);
        Assert.Equal("WKS-042.corp.example", ev.Computer);
        Assert.Equal(["CN=WKS-042.corp.example", "WKS-042.corp.example"], ev.SubjectNames);
        Assert.Equal("certutil.exe", ev.ProcessName);
    }

    [Fact]
    public void Parse_LongEventBeyondReaderBuffer_UserDataXmlIsExact()
    {
        // XmlReader reads in blocks of a few KB; offsets must survive its buffer shifts.
        var longName = "CN=" + new string('a', 9000);
        var builder = new EventXmlBuilder()
            .WithSubjectMarkup(longName, "tail.example")
            .WithRenderingInfo("en-US", new string('m', 12000), "Information", "Operational");
        var xml = builder.Build();

        var ev = Parse.Ok(xml);

        Assert.Equal(InnerUserData(xml), ev.UserDataXml);
        Assert.Equal([longName, "tail.example"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_ForwardedEventWithRenderingInfo_ReadsSystemFieldsNotLocalizedCopies()
    {
        var xml = new EventXmlBuilder()
            .WithRenderingInfo("es-ES", "Se exportó un certificado.", "Información", "Operativo")
            .Build();

        var ev = Parse.Ok(xml);

        Assert.Equal(ExportEventClassifier.SystemChannel, ev.Channel);
        Assert.Equal("WKS-042.corp.example", ev.Computer);
        Assert.Equal("WKS-042.corp.example", ev.SubjectNames[^1]);
    }

    [Fact]
    public void Parse_RenderingInfoBeforeSystem_StillReadsSystemChannel()
    {
        var rendering = "<RenderingInfo Culture='de-DE'><Channel>Betriebsbereit</Channel><Computer>not-this</Computer></RenderingInfo>";
        var xml = new EventXmlBuilder().Build().Replace("<System>", rendering + "<System>", StringComparison.Ordinal);

        var ev = Parse.Ok(xml);

        Assert.Equal(ExportEventClassifier.SystemChannel, ev.Channel);
        Assert.Equal("WKS-042.corp.example", ev.Computer);
    }

    [Fact]
    public void Parse_PayloadWithOwnDefaultNamespace_MatchesByLocalName()
    {
        var xml = new EventXmlBuilder().WithPayloadNamespace("http://schemas.example.test/certnotification").Build();

        var ev = Parse.Ok(xml);

        Assert.Equal(["CN=WKS-042.corp.example", "WKS-042.corp.example"], ev.SubjectNames);
        Assert.Equal("powershell.exe", ev.ProcessName);
        Assert.Equal("3f9a0c6e2b7d41f8a5c09e1d7b2f64a8c3e5d901", ev.Thumbprint);
    }

    [Fact]
    public void Parse_PrefixedElements_MatchByLocalName()
    {
        var xml = "<e:Event xmlns:e='http://schemas.microsoft.com/win/2004/08/events/event'><e:System><e:EventID>1007</e:EventID>"
            + "<e:Computer>H1</e:Computer></e:System><e:UserData><p:SubjectName xmlns:p='urn:x'>CN=p</p:SubjectName></e:UserData></e:Event>";

        var ev = Parse.Ok(xml);

        Assert.Equal("H1", ev.Computer);
        Assert.Equal(["CN=p"], ev.SubjectNames);
        Assert.Equal("<p:SubjectName xmlns:p='urn:x'>CN=p</p:SubjectName>", ev.UserDataXml);
    }

    [Theory]
    [InlineData("CN=R&amp;D Code Signing, O=Example &quot;Test&quot; Labs", "CN=R&D Code Signing, O=Example \"Test\" Labs")]
    [InlineData("CN=O&apos;Brien &lt;Laptop&gt;", "CN=O'Brien <Laptop>")]
    [InlineData("CN=&lt;script&gt;alert(1)&lt;/script&gt;, O=Evil &#x26; Co", "CN=<script>alert(1)</script>, O=Evil & Co")]
    [InlineData("CN=Caf&#233; &#x1F600;", "CN=Café 😀")]
    [InlineData("CN=a&amp;amp;b", "CN=a&amp;b")] // decoded exactly once
    [InlineData(@"CN=Rivera\, Jo, OU=Finance, O=Example Test Corp", @"CN=Rivera\, Jo, OU=Finance, O=Example Test Corp")]
    [InlineData("CN=jo.rivera+UID=4471, OU=People", "CN=jo.rivera+UID=4471, OU=People")]
    [InlineData("CN=Jürgen Müller, O=Ünïcødé GmbH, L=東京", "CN=Jürgen Müller, O=Ünïcødé GmbH, L=東京")]
    [InlineData("  CN=spaced  ", "  CN=spaced  ")] // no trimming
    [InlineData("<![CDATA[CN=<cdata> & co]]>", "CN=<cdata> & co")]
    public void Parse_SubjectMarkup_IsDecodedOnceAndOtherwiseVerbatim(string markup, string expected)
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithSubjectMarkup("CN=first", markup).Build());
        Assert.Equal(["CN=first", expected], ev.SubjectNames);
    }

    [Fact]
    public void Parse_SeveralSubjectNames_AllKeptInDocumentOrder()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithSubjectMarkup("CN=host", "host.corp", "host", "jdoe@corp").Build());
        Assert.Equal(["CN=host", "host.corp", "host", "jdoe@corp"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_EmptySubjectNameElements_AreKeptAsEmptyStrings()
    {
        var xml = new EventXmlBuilder().WithSubjectMarkup("CN=a", "").Build().Replace("<SubjectName>CN=a</SubjectName>", "<SubjectName>CN=a</SubjectName><SubjectName/>", StringComparison.Ordinal);
        var ev = Parse.Ok(xml);
        Assert.Equal(["CN=a", "", ""], ev.SubjectNames);
    }

    [Fact]
    public void Parse_NonLeafSubjectName_IsSkippedButItsLeafChildCounts()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithSubjectMarkup("outer<SubjectName>inner</SubjectName>tail").Build());
        Assert.Equal(["inner"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_SubjectNameOutsideUserData_IsNotASubject()
    {
        var xml = new EventXmlBuilder().WithRenderingInfo("en-US", "<SubjectName>CN=from-rendering</SubjectName>", "Information", "Operational").Build();
        var ev = Parse.Ok(xml);
        Assert.DoesNotContain("CN=from-rendering", ev.SubjectNames);
    }

    [Fact]
    public void Parse_ProcessFieldsAsAttributes_AreRead()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithProcessFields("mmc.exe", @"CORP\a&amp;b", "User", asElements: false).Build());
        Assert.Equal("mmc.exe", ev.ProcessName);
        Assert.Equal(@"CORP\a&b", ev.AccountName);
        Assert.Equal("User", ev.Context);
    }

    [Fact]
    public void Parse_ProcessFieldsAsChildElements_AreRead()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithProcessFields("certutil.exe", @"CORP\svc-backup", "Machine", asElements: true).Build());
        Assert.Equal("certutil.exe", ev.ProcessName);
        Assert.Equal(@"CORP\svc-backup", ev.AccountName);
        Assert.Equal("Machine", ev.Context);
    }

    [Fact]
    public void Parse_TemplateAbsent_StillReadsEverything()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithoutTemplate().Build());
        Assert.Equal("WKS-042.corp.example", ev.SubjectNames[^1]);
        Assert.Equal("3f9a0c6e2b7d41f8a5c09e1d7b2f64a8c3e5d901", ev.Thumbprint);
    }

    [Fact]
    public void Parse_EventIdWithQualifiers_ReadsOnlyTheText()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithEventIdElement("<EventID Qualifiers='0'>1007</EventID>").Build());
        Assert.Equal("1007", ev.EventId);
    }

    [Fact]
    public void Parse_MissingOptionalSystemFields_AreNull()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithRecordId(null).WithSystemTime(null).WithComputerMarkup(null).Build());
        Assert.Null(ev.RecordId);
        Assert.Null(ev.SystemTime);
        Assert.Null(ev.Computer);
    }

    [Fact]
    public void Parse_ComputerWithEntity_IsDecodedAndOtherwiseVerbatim()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithComputerMarkup(" HOST&amp;01 ").Build());
        Assert.Equal(" HOST&01 ", ev.Computer);
    }

    [Fact]
    public void Parse_Utf8Bytes_GivesTheSameFieldsAsText()
    {
        var xml = new EventXmlBuilder().WithSubjectMarkup("CN=Jürgen 東京 😀").Build();
        var fromText = Parse.Ok(xml);
        var fromBytes = Parse.Ok(Encoding.UTF8.GetBytes(xml));
        Assert.Equal(fromText.SubjectNames, fromBytes.SubjectNames);
        Assert.Equal(fromText.UserDataXml, fromBytes.UserDataXml);
        Assert.Equal(fromText.Computer, fromBytes.Computer);
    }

    [Fact]
    public void Parse_Utf8BomBeforeBytes_IsSkipped()
    {
        var xml = new EventXmlBuilder().Build();
        var ev = Parse.Ok([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(xml)]);
        Assert.Equal("WKS-042.corp.example", ev.Computer);
    }

    [Fact]
    public void Parse_TextStartingWithBom_IsSkipped()
    {
        var ev = Parse.Ok("\uFEFF" + new EventXmlBuilder().Build());
        Assert.Equal("WKS-042.corp.example", ev.Computer);
    }

    [Fact]
    public void Parse_Utf16LeFileDecodedByCaller_WithCrlf_Parses()
    {
        // What Windows PowerShell writes: UTF-16LE with BOM and CRLF; the caller decodes it to text.
        var xml = new EventXmlBuilder().WithSeparator("\r\n").Build() + "\r\n";
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(xml)).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);

        var ev = Parse.Ok(reader.ReadToEnd());

        Assert.Equal(["CN=WKS-042.corp.example", "WKS-042.corp.example"], ev.SubjectNames);
        Assert.Equal(InnerUserData(xml), ev.UserDataXml);
    }

    [Fact]
    public void Parse_XmlDeclarationAndComments_AreTolerated()
    {
        var xml = "<?xml version='1.0' encoding='utf-8'?><!-- exported -->" + new EventXmlBuilder().WithSubjectMarkup("CN=a<!-- note -->b").Build();
        var ev = Parse.Ok(xml);
        Assert.Equal(["CN=ab"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_ThreadSafe_OneInstanceManyThreads()
    {
        var parser = new EventXmlParser();
        var xmls = Enumerable.Range(0, 64).Select(i => new EventXmlBuilder().WithComputerMarkup($"H{i}").Build()).ToArray();
        var results = new string?[xmls.Length];

        Parallel.For(0, xmls.Length, i =>
        {
            for (var n = 0; n < 50; n++)
            {
                parser.TryParse(xmls[i], out var ev, out _);
                results[i] = ev?.Computer;
            }
        });

        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"H{i}"), results);
    }
}
