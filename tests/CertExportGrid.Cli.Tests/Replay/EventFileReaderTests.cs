using System.Text;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Tests.Replay;

public class EventFileReaderTests
{
    private static string Utf8Of(EventLine line) => Encoding.UTF8.GetString(line.Utf8.Span);

    [Fact]
    public void Read_Utf8WithoutBom_YieldsRawBytesWithLineNumbers()
    {
        var content = EventFileReader.Parse(TestData.Utf8("<Event>a</Event>\n<Event>b</Event>\n"));

        Assert.Equal(EventFileEncoding.Utf8, content.Encoding);
        Assert.Equal([1, 2], content.Lines.Select(l => l.Number));
        Assert.All(content.Lines, l => Assert.True(l.IsUtf8));
        Assert.Equal("<Event>a</Event>", Utf8Of(content.Lines[0]));
        Assert.Equal("<Event>b</Event>", Utf8Of(content.Lines[1]));
    }

    [Fact]
    public void Read_Utf8WithBom_DropsBomFromFirstLine()
    {
        var content = EventFileReader.Parse(TestData.Utf8("<Event>a</Event>\r\n<Event>b</Event>\r\n", bom: true));

        Assert.Equal(EventFileEncoding.Utf8Bom, content.Encoding);
        Assert.Equal("<Event>a</Event>", Utf8Of(content.Lines[0]));
        Assert.Equal(0x3C, content.Lines[0].Utf8.Span[0]);
        Assert.Equal("<Event>b</Event>", Utf8Of(content.Lines[1]));
    }

    [Fact]
    public void Read_Utf16LeWithBomAndCrlf_YieldsDecodedLinesWithNumbers()
    {
        var content = EventFileReader.Parse(TestData.Utf16Le("<Event>ä</Event>\r\n\r\n<Event>€ 𝄞</Event>\r\n"));

        Assert.Equal(EventFileEncoding.Utf16LeBom, content.Encoding);
        Assert.Equal([1, 3], content.Lines.Select(l => l.Number));
        Assert.Equal("<Event>ä</Event>", content.Lines[0].Text);
        Assert.Equal("<Event>€ 𝄞</Event>", content.Lines[1].Text);
        Assert.All(content.Lines, l => Assert.False(l.IsUtf8));
    }

    [Fact]
    public void Read_Utf16BeWithBom_YieldsDecodedLines()
    {
        byte[] bytes = [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("<Event>x</Event>\r\n<Event>y</Event>")];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal(EventFileEncoding.Utf16BeBom, content.Encoding);
        Assert.Equal(["<Event>x</Event>", "<Event>y</Event>"], content.Lines.Select(l => l.Text));
    }

    [Fact]
    public void Read_BlankAndWhitespaceLines_AreSkippedButKeepNumbering()
    {
        var content = EventFileReader.Parse(TestData.Utf8("\n<Event>a</Event>\n\r\n  \t \n<Event>b</Event>\n\n"));

        Assert.Equal([2, 5], content.Lines.Select(l => l.Number));
        Assert.Equal("<Event>b</Event>", Utf8Of(content.Lines[1]));
    }

    [Fact]
    public void Read_Utf16BlankLines_AreSkippedButKeepNumbering()
    {
        var content = EventFileReader.Parse(TestData.Utf16Le("\r\n \r\n<Event>a</Event>\r\n"));

        Assert.Equal(3, Assert.Single(content.Lines).Number);
    }

    [Theory]
    [InlineData("<Event>a</Event>\n<Event>last</Event>")]
    [InlineData("<Event>a</Event>\r\n<Event>last</Event>\r")]
    public void Read_LastLineWithoutNewline_IsKept(string text)
    {
        var utf8 = EventFileReader.Parse(TestData.Utf8(text));
        var utf16 = EventFileReader.Parse(TestData.Utf16Le(text));

        Assert.Equal("<Event>last</Event>", Utf8Of(utf8.Lines[^1]));
        Assert.Equal(2, utf8.Lines[^1].Number);
        Assert.Equal("<Event>last</Event>", utf16.Lines[^1].Text);
        Assert.Equal(2, utf16.Lines[^1].Number);
    }

    [Fact]
    public void Read_CrLf_StripsOnlyTheTrailingCr()
    {
        var content = EventFileReader.Parse(TestData.Utf8("<Event>a\rb</Event>\r\n"));

        Assert.Equal("<Event>a\rb</Event>", Utf8Of(Assert.Single(content.Lines)));
    }

    [Fact]
    public void Read_InvalidUtf8_IsPassedThroughAsBytes()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("<Event>"), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("</Event>\n<Event>ok</Event>\n")];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal(2, content.Lines.Count);
        Assert.True(content.Lines[0].IsUtf8);
        Assert.Equal(bytes[..18], content.Lines[0].Utf8.ToArray());
        Assert.Equal("<Event>ok</Event>", Utf8Of(content.Lines[1]));
    }

    [Fact]
    public void Read_NonAsciiUtf8_KeepsBytesUnchanged()
    {
        var text = "<Event><SubjectName>CN=Zoë Müller,O=Bücher \\, Co</SubjectName></Event>";

        var line = Assert.Single(EventFileReader.Parse(TestData.Utf8(text + "\n")).Lines);

        Assert.Equal(Encoding.UTF8.GetBytes(text), line.Utf8.ToArray());
    }

    [Fact]
    public void Read_Utf16LeLineInsideUtf8File_PassesItThroughAndKeepsNextLineIntact()
    {
        byte[] bytes =
        [
            .. Encoding.UTF8.GetBytes("<Event>one</Event>\n"),
            .. Encoding.Unicode.GetBytes("<Event>two</Event>\r\n"),
            .. Encoding.UTF8.GetBytes("<Event>three</Event>\n"),
        ];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal(EventFileEncoding.Utf8, content.Encoding);
        Assert.Equal([1, 2, 3], content.Lines.Select(l => l.Number));
        var two = content.Lines[1];
        Assert.True(two.IsUtf8);
        Assert.True(two.LooksUtf16);
        // Sent as it is (the server rejects it), without its UTF-16 line break 0D 00 0A 00.
        Assert.Equal(Encoding.Unicode.GetBytes("<Event>two</Event>"), two.Utf8.ToArray());
        Assert.Equal(19 + Encoding.Unicode.GetByteCount("<Event>two</Event>\r\n"), two.EndOffset);
        Assert.Equal("<Event>three</Event>", Utf8Of(content.Lines[2]));
        Assert.False(content.Lines[0].LooksUtf16 || content.Lines[2].LooksUtf16);
    }

    [Fact]
    public void Read_NulRightAfterLineFeedInUtf8_IsKeptInTheNextLine()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("<Event>one</Event>\n"), 0x00, .. Encoding.UTF8.GetBytes("<Event>two</Event>\n<Event>three</Event>\n")];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal([1, 2, 3], content.Lines.Select(l => l.Number));
        Assert.Equal([0x00, .. Encoding.UTF8.GetBytes("<Event>two</Event>")], content.Lines[1].Utf8.ToArray());
        Assert.False(content.Lines[1].LooksUtf16);
        Assert.Equal([19L, 39L, 60L], content.Lines.Select(l => l.EndOffset));
    }

    [Fact]
    public void Read_NulAtTheStartOfAChunk_IsNotSkipped()
    {
        // tail read "...\n" in one poll and "\0<Event>..." in the next: the 00 is part of the new line.
        byte[] bytes = [0x00, .. Encoding.UTF8.GetBytes("<Event>2</Event>\n")];

        var chunk = EventFileReader.ParseFrom(bytes, 0, EventFileEncoding.Utf8, baseOffset: 17, baseLine: 1, final: false);

        var line = Assert.Single(chunk.Lines);
        Assert.Equal((2, 0, 35L), (line.Number, (int)line.Utf8.Span[0], line.EndOffset));
    }

    [Fact]
    public void ParseFrom_Utf16LineCutBetweenItsLineFeedBytes_WaitsForTheSecondHalf()
    {
        var utf16 = Encoding.Unicode.GetBytes("<Event>two</Event>\r\n");
        byte[] first = [.. Encoding.UTF8.GetBytes("<Event>one</Event>\n"), .. utf16[..^1]];
        byte[] rest = [0x00, .. Encoding.UTF8.GetBytes("<Event>three</Event>\n")];

        var chunk1 = EventFileReader.ParseFrom(first, 0, EventFileEncoding.Utf8, 0, 0, final: false);
        var remaining = first[(int)chunk1.EndOffset..];
        var chunk2 = EventFileReader.ParseFrom([.. remaining, .. rest], 0, EventFileEncoding.Utf8, chunk1.EndOffset, chunk1.EndLine, final: false);

        Assert.Equal([1], chunk1.Lines.Select(l => l.Number));
        Assert.Equal(19L, chunk1.EndOffset);
        Assert.Equal([2, 3], chunk2.Lines.Select(l => l.Number));
        Assert.True(chunk2.Lines[0].LooksUtf16);
        Assert.Equal("<Event>three</Event>", Utf8Of(chunk2.Lines[1]));
        Assert.Equal(first.Length + rest.Length, chunk2.EndOffset);
    }

    [Fact]
    public void Read_Utf16LeFileWithoutBom_SplitsIntoNumberedLinesThatLookUtf16()
    {
        var bytes = Encoding.Unicode.GetBytes("<Event>1</Event>\r\n\r\n<Event>3</Event>\r\n<Event>4</Event>");

        var content = EventFileReader.Parse(bytes);

        Assert.Equal(EventFileEncoding.Utf8, content.Encoding);
        Assert.Equal([1, 3, 4], content.Lines.Select(l => l.Number));
        Assert.All(content.Lines, l => Assert.True(l.LooksUtf16));
        Assert.Equal(Encoding.Unicode.GetBytes("<Event>3</Event>"), content.Lines[1].Utf8.ToArray());
    }

    [Theory]
    [InlineData("utf-16le", true)]
    [InlineData("utf-16be", true)]
    [InlineData("utf-8", false)]
    public void LooksLikeUtf16WithoutBom_JudgesTheFirstKilobyte(string encoding, bool expected)
    {
        var text = "<Event><System><Computer>WKS-Zoë-Müller</Computer></System></Event>\r\n";
        var bytes = Encoding.GetEncoding(encoding).GetBytes(string.Concat(Enumerable.Repeat(text, 40)));

        Assert.Equal(expected, EventFileReader.LooksLikeUtf16WithoutBom(bytes));
        Assert.False(EventFileReader.LooksLikeUtf16WithoutBom([0xFF, 0xFE, .. bytes])); // a BOM says it already
    }

    [Fact]
    public void Read_Utf16LeLoneSurrogate_ReportsDecodeErrorForThatLineOnly()
    {
        byte[] bytes =
        [
            0xFF, 0xFE,
            .. Encoding.Unicode.GetBytes("<Event>"), 0x00, 0xD8, .. Encoding.Unicode.GetBytes("</Event>\r\n"),
            .. Encoding.Unicode.GetBytes("<Event>ok</Event>\r\n"),
        ];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal(2, content.Lines.Count);
        Assert.Equal(1, content.Lines[0].Number);
        Assert.Null(content.Lines[0].Text);
        Assert.Equal("not valid UTF-16LE: the bytes 00D8 do not decode (lone surrogate or odd length)", content.Lines[0].DecodeError);
        Assert.Equal("<Event>ok</Event>", content.Lines[1].Text);
    }

    [Fact]
    public void Read_Utf16LeOddTrailingByte_ReportsDecodeErrorOnLastLine()
    {
        byte[] bytes = [.. TestData.Utf16Le("<Event>a</Event>\r\n<Event>b"), 0x3E];

        var content = EventFileReader.Parse(bytes);

        Assert.Equal("<Event>a</Event>", content.Lines[0].Text);
        Assert.Equal(2, content.Lines[1].Number);
        Assert.NotNull(content.Lines[1].DecodeError);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0x0A, 0x0D, 0x0A })]
    public void Read_EmptyOrBomOnly_YieldsNoLines(byte[] bytes)
    {
        Assert.Empty(EventFileReader.Parse(bytes).Lines);
    }

    [Fact]
    public void Read_EndOffsets_PointPastEachTerminator()
    {
        var utf8 = EventFileReader.Parse(TestData.Utf8("ab\r\ncd", bom: true));
        var utf16 = EventFileReader.Parse(TestData.Utf16Le("ab\r\ncd"));

        Assert.Equal([7L, 9L], utf8.Lines.Select(l => l.EndOffset));
        Assert.Equal([10L, 14L], utf16.Lines.Select(l => l.EndOffset));
    }

    [Fact]
    public void Read_FromDisk_ReadsTheFileAsBytes()
    {
        using var dir = TestData.TempDir();
        var path = dir.File("events.xml", TestData.Utf16Le(TestData.Event() + "\r\n"));

        var content = EventFileReader.Read(path);

        Assert.Equal(EventFileEncoding.Utf16LeBom, content.Encoding);
        Assert.Equal(TestData.Event(), Assert.Single(content.Lines).Text);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => EventFileReader.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
    }

    [Fact]
    public void ParseFrom_NotFinal_LeavesAPartialLastLineForLater()
    {
        var content = TestData.Utf8("<Event>1</Event>\n\n<Event>2</Ev");

        var chunk = EventFileReader.ParseFrom(content, 0, EventFileEncoding.Utf8, baseOffset: 0, baseLine: 0, final: false);

        Assert.Equal([1], chunk.Lines.Select(l => l.Number));
        Assert.Equal((18L, 2), (chunk.EndOffset, chunk.EndLine)); // past the blank line 2, before the partial one
    }

    [Fact]
    public void ParseFrom_MidFile_NumbersLinesAndOffsetsFromTheBase()
    {
        var content = TestData.Utf8("<Event>7</Event>\r\n<Event>8</Event>");

        var chunk = EventFileReader.ParseFrom(content, 0, EventFileEncoding.Utf8, baseOffset: 1000, baseLine: 6, final: true);

        Assert.Equal([(7, 1018L), (8, 1034L)], chunk.Lines.Select(l => (l.Number, l.EndOffset)));
        Assert.Equal((1034L, 8), (chunk.EndOffset, chunk.EndLine));
    }

    [Fact]
    public void ParseFrom_Utf16NotFinal_StopsAtTheLastCompleteLine()
    {
        var bytes = TestData.Utf16Le("<Event>1</Event>\r\n<Event>2");

        var chunk = EventFileReader.ParseFrom(bytes, 2, EventFileEncoding.Utf16LeBom, 0, 0, final: false);

        Assert.Equal(["<Event>1</Event>"], chunk.Lines.Select(l => l.Text));
        Assert.Equal(2 + Encoding.Unicode.GetByteCount("<Event>1</Event>\r\n"), chunk.EndOffset);
    }
}
