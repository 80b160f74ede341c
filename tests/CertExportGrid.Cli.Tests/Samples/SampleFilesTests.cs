using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Tests.Samples;

/// <summary>
/// The sample files read back through <see cref="EventFileReader"/> and a deliberately naive reading of
/// the search's semantics must give exactly the findings samples/README.md promises.
/// </summary>
public class SampleFilesTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "samples");
    private static readonly string[] Channels =
    [
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational",
    ];

    private sealed record Expected(string Dest, string Subject, long Count, string FirstTime, string LastTime, int Rows);

    private sealed record Parsed(string File, string Computer, string Channel, int EventId, string Time, long RecordId, string? Subject, string UserDataXml);

    [Theory]
    [InlineData("atomic-workstations.xml", "Utf8", 20, 20)]
    [InlineData("servers.xml", "Utf8Bom", 14, 14)]
    [InlineData("scheduled-and-bulk.xml", "Utf8", 20, 21)]
    [InlineData("powershell-utf16.xml", "Utf16LeBom", 5, 5)]
    public void Sample_ReadsWithExpectedEncodingAndLineCount(string file, string encoding, int events, int lastLine)
    {
        var content = EventFileReader.Read(Path.Combine(Dir, file));

        Assert.Equal(encoding, content.Encoding.ToString());
        Assert.Equal(events, content.Lines.Count);
        Assert.Equal(lastLine, content.Lines[^1].Number);
        Assert.All(content.Lines, l => Assert.Null(l.DecodeError));
    }

    [Fact]
    public void Samples_ProduceExactlyTheFindingsInTheReadme()
    {
        var events = ParseAll();
        var inScope = events.Where(e => e.EventId == 1007 && Channels.Contains(e.Channel, StringComparer.OrdinalIgnoreCase) && !string.IsNullOrEmpty(e.Subject)).ToList();

        var actual = inScope
            .GroupBy(e => (e.Computer, Subject: e.Subject!))
            .Select(g => new Expected(
                g.Key.Computer, g.Key.Subject, g.Count(),
                g.Select(e => e.Time).Min(StringComparer.Ordinal)!, g.Select(e => e.Time).Max(StringComparer.Ordinal)!,
                g.Select(e => e.UserDataXml).Distinct(StringComparer.Ordinal).Count()))
            .OrderBy(f => f.Dest, StringComparer.Ordinal).ThenBy(f => f.Subject, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(ReadmeFindings(), actual);
        Assert.Equal((59, 35, 24), (events.Count, inScope.Count, events.Count - inScope.Count));
    }

    [Fact]
    public void Samples_TimesHaveSevenDigitsAndRecordIdsIncreasePerHostAndChannel()
    {
        var events = ParseAll();

        Assert.All(events, e => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", e.Time));
        foreach (var stream in events.Where(e => e.Channel != "Application").GroupBy(e => (e.Computer, e.Channel)))
        {
            var ordered = stream.OrderBy(e => e.Time, StringComparer.Ordinal).Select(e => e.RecordId).ToList();
            Assert.Equal(ordered.Order(), ordered);
            Assert.Equal(ordered.Count, ordered.Distinct().Count());
        }

        Assert.All(events.GroupBy(e => e.File), f => Assert.Equal(
            f.Select(e => e.Time).Order(StringComparer.Ordinal), f.Select(e => e.Time)));
    }

    private static List<Parsed> ParseAll()
    {
        var parsed = new List<Parsed>();
        foreach (var path in Directory.GetFiles(Dir, "*.xml").Order(StringComparer.Ordinal))
        {
            foreach (var line in EventFileReader.Read(path).Lines)
            {
                var text = line.Text ?? Encoding.UTF8.GetString(line.Utf8.Span);
                var root = XElement.Parse(text);
                var system = root.Elements().Single(e => e.Name.LocalName == "System");
                string Sys(string name) => system.Elements().Single(e => e.Name.LocalName == name).Value;
                var time = system.Elements().Single(e => e.Name.LocalName == "TimeCreated").Attribute("SystemTime")!.Value;
                var subject = root.Elements().FirstOrDefault(e => e.Name.LocalName == "UserData")?
                    .Descendants().LastOrDefault(e => e.Name.LocalName == "SubjectName")?.Value;
                var start = text.IndexOf("<UserData>", StringComparison.Ordinal);
                var end = text.IndexOf("</UserData>", StringComparison.Ordinal);
                var userData = start < 0 ? "" : text[(start + "<UserData>".Length)..end];
                parsed.Add(new Parsed(Path.GetFileName(path), Sys("Computer"), Sys("Channel"), int.Parse(Sys("EventID"), System.Globalization.CultureInfo.InvariantCulture),
                    time, long.Parse(Sys("EventRecordID"), System.Globalization.CultureInfo.InvariantCulture), subject, userData));
            }
        }

        return parsed;
    }

    private static List<Expected> ReadmeFindings()
    {
        var readme = File.ReadAllText(Path.Combine(Dir, "README.md"));
        var start = readme.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(readme[start..end]);
        return
        [
            .. doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => new Expected(
                f.GetProperty("dest").GetString()!, f.GetProperty("subject").GetString()!, f.GetProperty("count").GetInt64(),
                f.GetProperty("firstTime").GetString()!, f.GetProperty("lastTime").GetString()!, f.GetProperty("rows").GetInt32())),
        ];
    }
}
