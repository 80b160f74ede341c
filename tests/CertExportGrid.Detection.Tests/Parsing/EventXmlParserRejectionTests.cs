using System.Text;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

/// <summary>Markup that is not a usable event is refused whole, with a specific code and reason.</summary>
public class EventXmlParserRejectionTests
{
    private static readonly string s_good = new EventXmlBuilder().Build();

    [Fact]
    public void Parse_TruncatedEvent_IsNotWellFormedWithPosition()
    {
        var rejection = Parse.Rejected(s_good[..(s_good.Length / 2)], RejectionCode.NotWellFormed);
        Assert.Contains("Unexpected end of file", rejection.Message);
        Assert.Contains("Line 1, position", rejection.Message);
    }

    [Fact]
    public void Parse_LongParserMessage_IsCappedAt512Chars()
    {
        // An unclosed chain of long element names makes XmlReader list every one in its message.
        var name = new string('n', 200);
        var xml = "<Event>" + string.Concat(Enumerable.Repeat($"<{name}>", 25));

        var rejection = Parse.Rejected(xml, RejectionCode.NotWellFormed);

        Assert.Equal(512 + "...".Length, rejection.Message.Length);
        Assert.EndsWith("...", rejection.Message);
    }

    [Fact]
    public void Parse_BareAmpersandInText_IsNotWellFormed()
    {
        Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=R&D Labs").Build(), RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_MissingEndTag_IsNotWellFormed()
    {
        var rejection = Parse.Rejected(s_good.Replace("</SubjectNames>", "", StringComparison.Ordinal), RejectionCode.NotWellFormed);
        Assert.Contains("SubjectNames", rejection.Message);
    }

    [Fact]
    public void Parse_UndeclaredEntity_IsNotWellFormed()
    {
        Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=&xx;").Build(), RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_TrailingContentAfterEvent_IsNotWellFormed()
    {
        Parse.Rejected(s_good + "<Event/>", RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_Utf16LeBytesInsideUtf8Stream_IsNotWellFormed()
    {
        // Valid UTF-8 (ASCII and NUL bytes), so it decodes; the NULs then make it not XML.
        var bytes = Encoding.Unicode.GetBytes(s_good);
        var rejection = Parse.Rejected(bytes, RejectionCode.NotWellFormed);
        Assert.Contains("0x00", rejection.Message);
    }

    [Fact]
    public void Parse_Utf16LeWithBomAsUtf8Bytes_IsInvalidEncoding()
    {
        // FF FE is never valid UTF-8: a UTF-16 file must be decoded by the caller and passed as text.
        Parse.Rejected([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(s_good)], RejectionCode.InvalidEncoding);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]             // lead byte without continuation
    [InlineData(new byte[] { 0xFF })]                   // never valid
    [InlineData(new byte[] { 0xC0, 0xAF })]             // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]       // UTF-8-encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // beyond U+10FFFF
    [InlineData(new byte[] { 0xE2, 0x82 })]             // cut-off sequence
    public void Parse_InvalidUtf8InSubject_IsInvalidEncodingNeverReplaced(byte[] bad)
    {
        var xml = new EventXmlBuilder().WithSubjectMarkup("CN=XXXX").Build();
        var bytes = Encoding.UTF8.GetBytes(xml);
        var at = xml.IndexOf("XXXX", StringComparison.Ordinal);
        byte[] mixed = [.. bytes[..at], .. bad, .. bytes[at..]];

        var rejection = Parse.Rejected(mixed, RejectionCode.InvalidEncoding);

        Assert.Contains($"byte offset {at}", rejection.Message);
    }

    [Fact]
    public void Parse_InvalidUtf8AfterBom_ReportsOffsetInTheOriginalBytes()
    {
        var rejection = Parse.Rejected([0xEF, 0xBB, 0xBF, (byte)'<', 0xFF], RejectionCode.InvalidEncoding);
        Assert.Contains("byte offset 4", rejection.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \r\n\t")]
    [InlineData("\uFEFF")]
    public void Parse_EmptyInput_IsNotAnEvent(string xml)
    {
        Parse.Rejected(xml, RejectionCode.NotAnEvent);
        Parse.Rejected(Encoding.UTF8.GetBytes(xml), RejectionCode.NotAnEvent);
    }

    [Theory]
    [InlineData("<Events><Event/></Events>", "Events")]
    [InlineData("<x:Root xmlns:x='urn:x'/>", "x:Root")]
    [InlineData("<event/>", "event")] // XML names are case-sensitive
    public void Parse_RootIsNotEvent_IsNotAnEvent(string xml, string root)
    {
        var rejection = Parse.Rejected(xml, RejectionCode.NotAnEvent);
        Assert.Contains($"<{root}>", rejection.Message);
    }

    [Fact]
    public void Parse_CaseFile18_RejectsFourLinesAndKeepsTheFifth()
    {
        var lines = TestData.ReadLines("case18-malformed-lines.xml");
        var parser = new EventXmlParser();

        var codes = lines.Select(line => parser.TryParse(line, out _, out var r) ? (RejectionCode?)null : r!.Code).ToArray();

        Assert.Equal(
            [RejectionCode.NotWellFormed, RejectionCode.NotWellFormed, RejectionCode.NotWellFormed, RejectionCode.NotWellFormed, null],
            codes);
        Assert.True(parser.TryParse(lines[4], out var good, out _));
        Assert.Equal("CN=wks-1800.corp.example.test, O=Example Test Corp", good!.SubjectNames[^1]);
    }
}
