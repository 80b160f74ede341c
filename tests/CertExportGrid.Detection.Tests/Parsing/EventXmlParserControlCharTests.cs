using System.Text;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

/// <summary>
/// Windows writes raw C0 control characters into event XML. They must not let an attacker hide an
/// export (accepted, kept verbatim), while NUL, which Windows never writes into a name, stays fatal.
/// </summary>
public class EventXmlParserControlCharTests
{
    [Theory]
    [InlineData('\u0001')]
    [InlineData('\u0008')]
    [InlineData('\u000B')]
    [InlineData('\u001B')]
    [InlineData('\u001F')]
    public void Parse_RawControlCharInSubject_IsAcceptedAndKept(char control)
    {
        var subject = $"CN=evil{control}host";
        var builder = new EventXmlBuilder().WithSubjectMarkup(subject);
        var xml = builder.Build();

        var ev = Parse.Export(xml);

        Assert.Equal(subject, ev.Subject);
        // UserData_Xml stays the caller's raw text, control character included, not our escaped copy.
        Assert.Equal(builder.BuildUserDataInner(), ev.UserDataXml);
        Assert.Contains(control, ev.UserDataXml);
    }

    [Fact]
    public void Parse_ControlCharsBeforeAndInsideUserData_UserDataXmlIsExact()
    {
        var builder = new EventXmlBuilder()
            .WithComputerMarkup("WKS\u0001\u0002")
            .WithProcessFields("power\u0007shell.exe", "CORP\\j\u0010doe", "Machine", asElements: false)
            .WithSubjectMarkup("\u0003CN=a\u0004", "b\u001Fc\u0005");
        var xml = builder.Build();

        var ev = Parse.Ok(xml);

        Assert.Equal("WKS\u0001\u0002", ev.Computer);
        Assert.Equal("power\u0007shell.exe", ev.ProcessName);
        Assert.Equal("CORP\\j\u0010doe", ev.AccountName);
        Assert.Equal(["\u0003CN=a\u0004", "b\u001Fc\u0005"], ev.SubjectNames);
        Assert.Equal(builder.BuildUserDataInner(), ev.UserDataXml);
    }

    [Fact]
    public void Parse_RawControlCharInUtf8Bytes_IsAccepted()
    {
        var ev = Parse.Ok(Encoding.UTF8.GetBytes(new EventXmlBuilder().WithSubjectMarkup("CN=a\u0002b").Build()));
        Assert.Equal(["CN=a\u0002b"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_ReferenceToControlChar_IsDecoded()
    {
        var ev = Parse.Ok(new EventXmlBuilder().WithSubjectMarkup("CN=a&#x1;b&#31;c").Build());
        Assert.Equal(["CN=a\u0001b\u001Fc"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_TabCrLfInSubject_AreOrdinaryText()
    {
        // Line breaks inside text are normalized to LF by XML itself; tab is kept.
        var ev = Parse.Ok(new EventXmlBuilder().WithSubjectMarkup("CN=a\tb\r\nc").Build());
        Assert.Equal(["CN=a\tb\nc"], ev.SubjectNames);
    }

    [Fact]
    public void Parse_RawNul_IsNotWellFormed()
    {
        var rejection = Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=a\0b").Build(), RejectionCode.NotWellFormed);
        Assert.Contains("0x00", rejection.Message);
        Assert.Contains("Line 1", rejection.Message);
    }

    [Fact]
    public void Parse_RawNulTogetherWithControlChars_IsStillNotWellFormed()
    {
        Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=\u0001a\0b").Build(), RejectionCode.NotWellFormed);
    }

    [Theory]
    [InlineData("&#0;")]
    [InlineData("&#xFFFE;")]
    [InlineData("&#xFFFF;")]
    [InlineData("&#xD800;")]
    [InlineData("&#xDC00;")]
    public void Parse_ReferenceToForbiddenChar_IsNotWellFormed(string reference)
    {
        var rejection = Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=a" + reference).Build(), RejectionCode.NotWellFormed);
        Assert.Contains("SubjectName", rejection.Message);
    }

    [Fact]
    public void Parse_RawNoncharacterFFFE_IsNotWellFormed()
    {
        Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=a\uFFFE").Build(), RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_RawLoneSurrogateInText_IsNotWellFormed()
    {
        Parse.Rejected(new EventXmlBuilder().WithSubjectMarkup("CN=a\uD800b").Build(), RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_ControlCharInElementName_IsNotWellFormed()
    {
        var xml = new EventXmlBuilder().Build().Replace("<EKUs>", "<EK\u0001Us>", StringComparison.Ordinal).Replace("</EKUs>", "</EK\u0001Us>", StringComparison.Ordinal);
        Parse.Rejected(xml, RejectionCode.NotWellFormed);
    }

    [Fact]
    public void Parse_NotWellFormedAfterControlChars_ReportsPositionInTheCallersText()
    {
        // Both inputs break at the same place: the bare '&'. Escaping the control characters must
        // not move the reported position.
        var plain = new EventXmlBuilder().WithSubjectMarkup("CN=ab", "x & y").Build();
        var withControls = new EventXmlBuilder().WithSubjectMarkup("CN=\u0001\u0002", "x & y").Build();
        Assert.Equal(plain.Length, withControls.Length);

        var expected = Parse.Rejected(plain, RejectionCode.NotWellFormed).Message;
        var actual = Parse.Rejected(withControls, RejectionCode.NotWellFormed).Message;

        Assert.Contains("position", expected);
        Assert.Equal(expected, actual);
    }
}
