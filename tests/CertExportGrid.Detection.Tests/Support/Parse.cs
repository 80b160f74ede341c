using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;

namespace CertExportGrid.Detection.Tests.Support;

/// <summary>Assertion helpers: parse and insist on success or on a given rejection.</summary>
internal static class Parse
{
    private static readonly EventXmlParser s_parser = new();

    public static WinEvent Ok(string xml)
    {
        var ok = s_parser.TryParse(xml, out var ev, out var rejection);
        Assert.True(ok, $"expected the event to parse, got {rejection}");
        Assert.Null(rejection);
        return ev!;
    }

    public static WinEvent Ok(byte[] utf8)
    {
        var ok = s_parser.TryParse(utf8, out var ev, out var rejection);
        Assert.True(ok, $"expected the event to parse, got {rejection}");
        return ev!;
    }

    public static Classification.Rejected Rejected(string xml, RejectionCode code, EventXmlParser? parser = null)
    {
        var ok = (parser ?? s_parser).TryParse(xml, out var ev, out var rejection);
        Assert.False(ok);
        Assert.Null(ev);
        Assert.NotNull(rejection);
        Assert.Equal(code, rejection.Code);
        return rejection;
    }

    public static Classification.Rejected Rejected(byte[] utf8, RejectionCode code, EventXmlParser? parser = null)
    {
        var ok = (parser ?? s_parser).TryParse(utf8, out var ev, out var rejection);
        Assert.False(ok);
        Assert.Null(ev);
        Assert.NotNull(rejection);
        Assert.Equal(code, rejection.Code);
        return rejection;
    }

    /// <summary>Parse, then classify, insisting on an accepted export.</summary>
    public static CertExportEvent Export(string xml)
    {
        var classification = ExportEventClassifier.Classify(Ok(xml));
        return Assert.IsType<Classification.Accepted>(classification).Event;
    }
}
