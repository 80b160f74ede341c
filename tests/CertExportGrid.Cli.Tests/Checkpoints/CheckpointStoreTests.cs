using System.Text;
using CertExportGrid.Cli.Checkpoints;

namespace CertExportGrid.Cli.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    private static FileCursor Confirmed(string path, byte[] content, long offset, int line)
    {
        var cursor = new FileCursor(path) { Head = content[..Math.Min(content.Length, FileIdentity.HeadLength)] };
        cursor.RegisterFinal(offset, line);
        return cursor;
    }

    [Fact]
    public void Save_ThenOpen_RoundTripsEveryEntry()
    {
        var content = TestData.Utf8(TestData.Lines(3));
        var log = _dir.File("a.xml", content);
        var path = Path.Combine(_dir.Path, "cp.json");

        CheckpointStore.Open(path).Save([Confirmed(log, content, 700, 2)]);

        var entry = Assert.Single(CheckpointStore.Open(path).Entries);
        Assert.Equal((log, 700L, 2, 700), (entry.Path, entry.Offset, entry.Line, entry.IdentityLength));
        Assert.Equal(FileIdentity.Hash(content, 700), entry.IdentitySha256);
    }

    [Fact]
    public void Save_OverAnExistingCheckpointAndAStaleTempFile_ReplacesItWhole()
    {
        var content = TestData.Utf8(TestData.Lines(2));
        var log = _dir.File("a.xml", content);
        var path = Path.Combine(_dir.Path, "cp.json");
        CheckpointStore.Open(path).Save([Confirmed(log, content, 100, 1)]);
        File.WriteAllText(path + ".tmp", "{ torn write from a crash");

        CheckpointStore.Open(path).Save([Confirmed(log, content, content.Length, 2)]);

        Assert.False(File.Exists(path + ".tmp"));
        var entry = Assert.Single(CheckpointStore.Open(path).Entries);
        Assert.Equal((content.Length, 2), ((int)entry.Offset, entry.Line));
    }

    [Fact]
    public void Save_KeepsEntriesOfFilesThisRunDoesNotTrack()
    {
        var a = TestData.Utf8(TestData.Lines(1));
        var b = TestData.Utf8(TestData.Lines(1, firstRecordId: 9));
        var logA = _dir.File("a.xml", a);
        var logB = _dir.File("b.xml", b);
        var path = Path.Combine(_dir.Path, "cp.json");
        CheckpointStore.Open(path).Save([Confirmed(logA, a, a.Length, 1)]);

        CheckpointStore.Open(path).Save([Confirmed(logB, b, b.Length, 1)]);

        Assert.Equal([logA, logB], CheckpointStore.Open(path).Entries.Select(e => e.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    public void Open_EmptyFile_IsNoCheckpointYet(string content)
    {
        var path = _dir.File("cp.json", Encoding.UTF8.GetBytes(content));

        Assert.Empty(CheckpointStore.Open(path).Entries);
    }

    [Fact]
    public void Open_NotJson_ThrowsCheckpointFormatException()
    {
        var path = _dir.File("cp.json", Encoding.UTF8.GetBytes("not json"));

        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointStore.Open(path));

        Assert.Contains("is not valid JSON", ex.Message);
    }

    [Fact]
    public void Open_Missing_IsEmpty()
    {
        Assert.Empty(CheckpointStore.Open(Path.Combine(_dir.Path, "none.json")).Entries);
    }

    [Fact]
    public void Matches_AppendedFile_IsTheSameFile()
    {
        var content = TestData.Utf8(TestData.Lines(2));
        var log = _dir.File("a.xml", content);
        var entry = new FileCheckpoint(log, content.Length, 2, content.Length, FileIdentity.Hash(content, content.Length));
        File.AppendAllText(log, TestData.Lines(5, firstRecordId: 3));

        Assert.True(FileIdentity.Matches(log, entry));
    }

    [Fact]
    public void Matches_ReplacedFileOfSameLength_IsAnotherFile()
    {
        var content = TestData.Utf8(TestData.Lines(2));
        var log = _dir.File("a.xml", content);
        var entry = new FileCheckpoint(log, content.Length, 2, content.Length, FileIdentity.Hash(content, content.Length));
        File.WriteAllBytes(log, TestData.Utf8(TestData.Lines(2, firstRecordId: 5)));

        Assert.False(FileIdentity.Matches(log, entry));
    }

    [Fact]
    public void Matches_TruncatedFile_IsAnotherFile()
    {
        var content = TestData.Utf8(TestData.Lines(3));
        var log = _dir.File("a.xml", content);
        var entry = new FileCheckpoint(log, content.Length, 3, FileIdentity.HeadLength, FileIdentity.Hash(content, FileIdentity.HeadLength));
        File.WriteAllBytes(log, content[..(content.Length / 2)]);

        Assert.False(FileIdentity.Matches(log, entry));
    }
}
