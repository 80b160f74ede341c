using System.Text;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Cli.Tests.Fakes;

namespace CertExportGrid.Cli.Tests.Delivery;

public sealed class TailTests : IDisposable
{
    private readonly TestData.TempDirectory _dir = TestData.TempDir();
    private readonly StringWriter _notices = new();

    public void Dispose() => _dir.Dispose();

    private TailSource Follow(string path, CheckpointStore? checkpoint = null) =>
        new([path], checkpoint, new ReplayTally([path], 0), _notices, TimeSpan.FromMilliseconds(10));

    private static void Append(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private static List<(int Line, long RecordId)> Take(TailSource source) =>
        [.. source.Read(1000, long.MaxValue).Select(e => (e.Line, TestData.RecordId(e.Event)))];

    [Fact]
    public void Read_PartialLastLine_WaitsForItsLineFeed()
    {
        var path = _dir.File("live.xml", []);
        var second = TestData.Event(recordId: 2);
        Append(path, TestData.Event(recordId: 1) + "\n" + second[..40]);
        using var source = Follow(path);

        var first = Assert.Single(source.Read(10, long.MaxValue));
        Assert.Equal(1, first.Line);
        Assert.Empty(Take(source));

        Append(path, second[40..] + "\n\n");
        var events = source.Read(10, long.MaxValue);

        Assert.Equal(2, Assert.Single(events).Line);
        Assert.Equal(Encoding.UTF8.GetBytes(second), events[0].Event.XmlUtf8.ToByteArray()); // whole, not the 40-byte prefix
        first.Cursor!.Finish(first.Ordinal);
        events[0].Cursor!.Finish(events[0].Ordinal);
        Assert.Equal((new FileInfo(path).Length, 3), events[0].Cursor!.Confirmed); // the blank line 3 included
    }

    [Fact]
    public void Read_FileAppearsLater_IsPickedUp()
    {
        var path = Path.Combine(_dir.Path, "later.xml");
        using var source = Follow(path);

        Assert.Empty(Take(source));
        File.WriteAllText(path, TestData.Lines(2));

        Assert.Equal([(1, 1L), (2, 2L)], Take(source));
        Assert.Contains($"waiting for {path} to appear", _notices.ToString());
    }

    [Fact]
    public void Read_FileTruncated_StartsAgainFromLineOne()
    {
        var path = _dir.File("live.xml", TestData.Utf8(TestData.Lines(3)));
        using var source = Follow(path);
        Assert.Equal(3, Take(source).Count);

        File.WriteAllText(path, TestData.Lines(1, firstRecordId: 50)); // copytruncate, then one new line

        Assert.Equal([(1, 50L)], Take(source));
        Assert.Contains("was truncated", _notices.ToString());
    }

    [Fact]
    public void Read_FileRotatedByRename_ReadsTheRestOfTheOldThenTheNewFromLineOne()
    {
        var path = _dir.File("live.xml", TestData.Utf8(TestData.Lines(2)));
        using var source = Follow(path);
        Assert.Equal(2, Take(source).Count);

        Append(path, TestData.Lines(1, firstRecordId: 3)); // written just before the rotation
        File.Move(path, path + ".1");
        File.WriteAllText(path, TestData.Lines(2, firstRecordId: 100));

        Assert.Equal([(3, 3L), (1, 100L), (2, 101L)], Take(source));
        Assert.Contains("was rotated or replaced", _notices.ToString());
        Assert.Equal(0, source.Cursors.Single().Confirmed.Offset); // the checkpoint now follows the new file
    }

    [Fact]
    public void Read_WithCheckpointOfTheSameFile_ResumesAfterIt()
    {
        var content = TestData.Utf8(TestData.Lines(3));
        var path = _dir.File("live.xml", content);
        var checkpointPath = Path.Combine(_dir.Path, "cp.json");
        var firstTwo = Encoding.UTF8.GetByteCount(TestData.Lines(2));
        var cursor = new FileCursor(path) { Head = content };
        cursor.RegisterFinal(firstTwo, 2);
        CheckpointStore.Open(checkpointPath).Save([cursor]);

        using var source = Follow(path, CheckpointStore.Open(checkpointPath));

        Assert.Equal([(3, 3L)], Take(source));
        Assert.Contains($"resuming {path} at line 3", _notices.ToString());
    }

    [Fact]
    public async Task TailAsync_GrowingFile_SendsNewLinesAndCheckpointsThemUntilStopped()
    {
        var path = _dir.File("live.xml", TestData.Utf8(TestData.Lines(2)));
        var checkpoint = Path.Combine(_dir.Path, "cp.json");
        var fake = new FakeIngestClient();
        using var stop = new CancellationTokenSource();
        var options = new ReplayOptions { PollInterval = TimeSpan.FromMilliseconds(10), CheckpointInterval = TimeSpan.Zero, CheckpointPath = checkpoint };
        var tail = new ReplayClient(fake) { Notices = _notices }.TailAsync([path], options, null, stop.Token);

        await WaitUntil(() => fake.ReceivedEvents == 2);
        Append(path, TestData.Lines(3, firstRecordId: 3) + TestData.Event(recordId: 6)[..30]); // the last one is still being written
        await WaitUntil(() => fake.ReceivedEvents == 5);
        await stop.CancelAsync();
        var summary = await tail;

        Assert.Equal([1, 2, 3, 4, 5], fake.Received.SelectMany(b => b.Events).Select(TestData.RecordId));
        Assert.Equal((1, 5L), (summary.Files, summary.Accepted));
        var entry = Assert.Single(CheckpointStore.Open(checkpoint).Entries);
        Assert.Equal((Encoding.UTF8.GetByteCount(TestData.Lines(5)), 5), ((int)entry.Offset, entry.Line)); // not the partial line
    }

    /// <summary>Waits for a condition the code under test will reach; the timeout only guards against a hang.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
            await Task.Delay(5, guard.Token);
    }
}
