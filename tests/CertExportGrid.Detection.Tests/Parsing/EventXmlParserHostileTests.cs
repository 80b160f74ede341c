using System.Net;
using System.Net.Sockets;
using System.Text;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

/// <summary>Hostile XML: DTDs, entity tricks, depth and size bombs. Refused without side effects.</summary>
public class EventXmlParserHostileTests
{
    private static readonly string s_event = new EventXmlBuilder().WithSubjectMarkup("CN=&xx;").Build();

    public static TheoryData<string> DoctypeVariants => new()
    {
        // internal entity forging a subject
        "<!DOCTYPE Event [<!ENTITY xx 'CN=forged'>]>" + s_event,
        // external entity reading a local file
        "<!DOCTYPE Event [<!ENTITY xx SYSTEM 'file:///etc/hostname'>]>" + s_event,
        // external parameter entity fetched over HTTP
        "<!DOCTYPE Event [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/probe.dtd'> %p;]>" + s_event,
        // external DTD subset
        "<!DOCTYPE Event SYSTEM 'http://127.0.0.1:9/event.dtd'>" + new EventXmlBuilder().Build(),
        // a harmless-looking empty DOCTYPE is refused just the same
        "<!DOCTYPE Event>" + new EventXmlBuilder().Build(),
        // billion laughs
        "<!DOCTYPE Event [<!ENTITY a 'ha'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>"
            + "<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'><!ENTITY xx '&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;'>]>" + s_event,
        // after an XML declaration
        "<?xml version='1.0'?><!DOCTYPE Event [<!ENTITY xx 'x'>]>" + s_event,
        // after the root element
        new EventXmlBuilder().Build() + "<!DOCTYPE Event>",
    };

    [Theory]
    [MemberData(nameof(DoctypeVariants))]
    public void Parse_AnyDoctype_IsDtdProhibited(string xml)
    {
        Parse.Rejected(xml, RejectionCode.DtdProhibited);
        Parse.Rejected(Encoding.UTF8.GetBytes(xml), RejectionCode.DtdProhibited);
    }

    [Fact]
    public void Parse_ExternalEntityToLoopbackListener_NeverConnects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var xml = $"<!DOCTYPE Event [<!ENTITY xx SYSTEM 'http://127.0.0.1:{port}/secret'><!ENTITY % p SYSTEM 'http://127.0.0.1:{port}/p.dtd'> %p;]>"
            + s_event;
        var subset = $"<!DOCTYPE Event SYSTEM 'http://127.0.0.1:{port}/event.dtd'>" + new EventXmlBuilder().Build();

        Parse.Rejected(xml, RejectionCode.DtdProhibited);
        Parse.Rejected(subset, RejectionCode.DtdProhibited);

        // A connection attempt completes in the kernel's backlog even without Accept, so it would
        // show as pending by now; give a slow resolver a moment anyway.
        Thread.Sleep(200);
        Assert.False(listener.Pending(), "the parser opened a connection to the entity's URL");
    }

    [Fact]
    public void Parse_CaseFile16_RejectsEveryDoctypeLineAndKeepsTheCleanOne()
    {
        var lines = TestData.ReadLines("case16-xxe-and-dtd.xml");
        var parser = new EventXmlParser();

        var codes = lines.Select(line => parser.TryParse(line, out _, out var r) ? (RejectionCode?)null : r!.Code).ToArray();

        Assert.Equal([RejectionCode.DtdProhibited, RejectionCode.DtdProhibited, RejectionCode.DtdProhibited, RejectionCode.DtdProhibited, null], codes);
    }

    [Fact]
    public void Parse_TenThousandLevelsDeep_IsTooDeepWithoutStackOverflow()
    {
        var bomb = string.Concat(Enumerable.Repeat("<a>", 10_000)) + "x" + string.Concat(Enumerable.Repeat("</a>", 10_000));
        var xml = new EventXmlBuilder().WithSubjectMarkup(bomb).Build();

        // Room for the whole bomb, so depth (not size) is what stops it.
        var roomy = new EventXmlParser(new ParserLimits { MaxEventChars = 1_000_000 });

        var rejection = Parse.Rejected(xml, RejectionCode.TooDeep, roomy);

        Assert.Contains("deeper than 32 levels", rejection.Message);
    }

    [Fact]
    public void Parse_DepthExactlyAtLimit_IsAccepted()
    {
        // Event > UserData > CertNotificationData > CertificateDetails > SubjectNames > SubjectName: 6 levels.
        var xml = new EventXmlBuilder().Build();
        Assert.True(new EventXmlParser(new ParserLimits { MaxDepth = 6 }).TryParse(xml, out _, out _));
        Parse.Rejected(xml, RejectionCode.TooDeep, new EventXmlParser(new ParserLimits { MaxDepth = 5 }));
    }

    [Fact]
    public void Parse_HugeEvent_IsTooLargeAsTextAndAsBytes()
    {
        var xml = new EventXmlBuilder().WithSubjectMarkup(new string('A', 100_000)).Build();

        Parse.Rejected(xml, RejectionCode.TooLarge);
        Parse.Rejected(Encoding.UTF8.GetBytes(xml), RejectionCode.TooLarge);
    }

    [Fact]
    public void Parse_SizeLimit_IsInclusive()
    {
        var xml = new EventXmlBuilder().Build();
        Assert.True(new EventXmlParser(new ParserLimits { MaxEventChars = xml.Length }).TryParse(xml, out _, out _));
        Assert.True(new EventXmlParser(new ParserLimits { MaxEventChars = xml.Length }).TryParse(Encoding.UTF8.GetBytes(xml), out _, out _));
        Parse.Rejected(xml, RejectionCode.TooLarge, new EventXmlParser(new ParserLimits { MaxEventChars = xml.Length - 1 }));
        Parse.Rejected(Encoding.UTF8.GetBytes(xml), RejectionCode.TooLarge, new EventXmlParser(new ParserLimits { MaxEventChars = xml.Length - 1 }));
    }

    [Fact]
    public void Parse_ManyNonAsciiCharsUnderTheCharLimit_IsAcceptedAsBytes()
    {
        // 3 UTF-8 bytes per char: the byte count is over the char limit, the char count is not.
        var xml = new EventXmlBuilder().WithSubjectMarkup(new string('東', 22_000)).Build();
        Assert.True(Encoding.UTF8.GetByteCount(xml) > ParserLimits.Default.MaxEventChars);
        Assert.Equal(new string('東', 22_000), Parse.Ok(Encoding.UTF8.GetBytes(xml)).SubjectNames[^1]);
    }

    [Fact]
    public void Parse_TooManyAttributesOnOneElement_IsTooLarge()
    {
        var attributes = string.Concat(Enumerable.Range(0, 65).Select(i => $" a{i}='v'"));
        var xml = new EventXmlBuilder().Build().Replace("<Template Name='Machine'/>", $"<Template{attributes}/>", StringComparison.Ordinal);

        var rejection = Parse.Rejected(xml, RejectionCode.TooLarge);

        Assert.Contains("65 attributes", rejection.Message);
    }

    [Fact]
    public void Parse_AfterHostileInput_TheSameParserStillWorks()
    {
        var parser = new EventXmlParser();
        parser.TryParse("<!DOCTYPE Event [<!ENTITY xx 'x'>]>" + s_event, out _, out _);
        parser.TryParse(string.Concat(Enumerable.Repeat("<a>", 10_000)), out _, out _);

        Assert.True(parser.TryParse(new EventXmlBuilder().Build(), out var ev, out _));
        Assert.Equal("WKS-042.corp.example", ev!.Computer);
    }
}
