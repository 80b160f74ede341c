using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

public class BoundedNameTableTests
{
    [Fact]
    public void Add_SameNameFromCharsAndString_ReturnsOneAtom()
    {
        var table = new BoundedNameTable();
        var fromChars = table.Add("xxSubjectNamexx".ToCharArray(), 2, 11);
        var fromString = table.Add(new string("SubjectName".AsSpan()));

        Assert.Equal("SubjectName", fromChars);
        Assert.Same(fromChars, fromString);
        Assert.Same(fromChars, table.Get("SubjectName"));
        Assert.Same(fromChars, table.Get("SubjectName".ToCharArray(), 0, 11));
        Assert.Equal(1, table.Count);
        Assert.Equal(11, table.Chars);
    }

    [Fact]
    public void Get_UnknownName_ReturnsNull()
    {
        Assert.Null(new BoundedNameTable().Get("Event"));
    }

    [Fact]
    public void Parse_ManyEventsWithMadeUpNames_KeepsWorking()
    {
        // Each event brings ~2,000 unique element names; the per-thread table must be dropped and
        // rebuilt along the way without disturbing any parse.
        var parser = new EventXmlParser();
        for (var n = 0; n < 20; n++)
        {
            var junk = string.Concat(Enumerable.Range(0, 2000).Select(i => $"<n{n}_{i}/>"));
            var xml = new EventXmlBuilder().WithSubjectMarkup($"CN=round{n}").Build().Replace("<EKUs>", "<EKUs>" + junk, StringComparison.Ordinal);
            Assert.True(parser.TryParse(xml, out var ev, out var rejection), rejection?.Message);
            Assert.Equal($"CN=round{n}", ev!.SubjectNames[^1]);
        }
    }
}
