using System.Text.Json;
using CertExportGrid.Cli.Commands;
using CertExportGrid.Cli.Output;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Contracts.V1;
using Spectre.Console;

namespace CertExportGrid.Cli.Tests.Output;

/// <summary>Attacker-controlled strings never reach the terminal raw in the human formats; JSON stays exact.</summary>
public class TerminalTextTests
{
    // ESC [2J clears the screen, OSC 0 sets the window title, RLO reverses what follows.
    private const string Hostile = "evil\u001b[2J\u001b]0;pwned\u0007\r\nfake line\t\u202Etxt.exe\u2028x\u0085y\\z";
    private const string Escaped = @"evil\x1b[2J\x1b]0;pwned\x07\r\nfake line\t\u202etxt.exe\u2028x\x85y\\z";

    [Theory]
    [InlineData("plain CN=vpn.example.test, O=Zoë Müller", "plain CN=vpn.example.test, O=Zoë Müller")]
    [InlineData("a\\b", @"a\\b")]
    [InlineData("\u0000\u001f\u007f\u0080\u009b\u009f", @"\x00\x1f\x7f\x80\x9b\x9f")]
    [InlineData("\t\n\r", @"\t\n\r")]
    [InlineData("\u202A\u202B\u202C\u202D\u202E", @"\u202a\u202b\u202c\u202d\u202e")]
    [InlineData("\u2066\u2067\u2068\u2069\u2028\u2029", @"\u2066\u2067\u2068\u2069\u2028\u2029")]
    [InlineData("\u200E\u200F\u061C", @"\u200e\u200f\u061c")]
    [InlineData("שלום 日本 \u00A0", "שלום 日本 \u00A0")]
    [InlineData(Hostile, Escaped)]
    public void Escape_RendersEveryDangerousCharacterVisibly(string raw, string expected)
    {
        Assert.Equal(expected, TerminalText.Escape(raw));
    }

    [Fact]
    public void Escape_FileNames_KeepBackslashesButEscapeControls()
    {
        Assert.Equal(@"C:\logs\a\x1b.xml", TerminalText.Escape("C:\\logs\\a\u001b.xml", escapeBackslash: false));
    }

    private static Finding Hostile2() => new() { Dest = "WKS\u001b[31m-1", Subject = Hostile, Count = 3, Version = 4 };

    private static void AssertNoRawControls(string text)
    {
        foreach (var c in text)
        {
            Assert.False(c is '\u001b' or '\u0007' or '\u0085' or '\u202E' or '\u2028' or '\t', $"raw U+{(int)c:X4} in output");
        }
    }

    [Fact]
    public void Table_ShowsHostileSubjectEscaped()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No });
        console.Profile.Width = 400;

        console.Write(FindingFormatter.ToTable([Hostile2()]));

        var text = writer.ToString();
        AssertNoRawControls(text);
        Assert.Contains(@"WKS\x1b[31m-1", text);
        Assert.Contains(Escaped, text);
        Assert.Equal(5, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // top, header, rule, one row, bottom: no injected line
    }

    [Fact]
    public void WatchLine_ShowsHostileDestAndSubjectEscaped()
    {
        var line = FindingFormatter.ToWatchLine(Hostile2(), new DateTime(2024, 5, 14, 9, 15, 3, DateTimeKind.Utc));

        Assert.Equal($@"2024-05-14T09:15:03Z  WKS\x1b[31m-1  {Escaped}  count=3  -..-  v4", line);
    }

    [Fact]
    public void WatchGapAndResumeExpired_EscapeTheServerText()
    {
        var gap = WatchCommand.Render(new SubscribeResponse { Gap = new Gap { Dropped = 2, Reason = "slow\u001b[2J" } }, json: false, out _);
        var expired = WatchCommand.Render(new SubscribeResponse { ResumeExpired = new ResumeExpired { Requested = "1.\n2", Reason = "gone\u0007" } }, json: false, out _);

        Assert.Equal(@"!! gap: 2 update(s) dropped (slow\x1b[2J); a fresh snapshot follows", gap);
        Assert.Equal(@"!! resume expired: position 1.\n2 is no longer available (gone\x07); a fresh snapshot follows", expired);
    }

    [Fact]
    public void SplunkLines_EscapeEveryCellIncludingBackslash()
    {
        var row = new SplunkRow
        {
            Dest = "WKS-1", SubjectName = Hostile, UserDataXml = "<A>EXAMPLE\\it\u001b</A>", Count = 1,
            FirstTime = "2024-05-14T09:12:33", LastTime = "2024-05-14T09:12:33",
        };

        var lines = FindingFormatter.ToSplunkLines([row]).ToList();

        Assert.Equal($"WKS-1\t{Escaped}\t{@"<A>EXAMPLE\\it\x1b</A>"}\t1\t2024-05-14T09:12:33\t2024-05-14T09:12:33", lines[1]);
        Assert.Equal(6, lines[1].Split('\t').Length);
    }

    [Fact]
    public void Rejection_MessageEscapedFileKeptReadable()
    {
        var line = ReplayCommand.FormatRejection(new ReplayRejection(@"C:\logs\a.xml", 3, RejectReason.NotWellFormed, "bad '\u001b]0;x\u0007' at\nline 1", Retryable: false));

        Assert.Equal(@"C:\logs\a.xml:3 NOT_WELL_FORMED bad '\x1b]0;x\x07' at\nline 1", line);
    }

    [Fact]
    public void Json_KeepsTheExactValueWithJsonEscaping()
    {
        var json = FindingFormatter.ToJsonLine(Hostile2());

        Assert.DoesNotContain('\u001b', json);
        Assert.DoesNotContain('\n', json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(Hostile, doc.RootElement.GetProperty("subject").GetString());
        Assert.Equal("WKS\u001b[31m-1", doc.RootElement.GetProperty("dest").GetString());
    }
}
