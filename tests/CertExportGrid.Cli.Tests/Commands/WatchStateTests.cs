using CertExportGrid.Cli.Commands;

namespace CertExportGrid.Cli.Tests.Commands;

public sealed class WatchStateTests : IDisposable
{
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private string StatePath => Path.Combine(_dir.Path, "watch.state");

    private string? OnDisk() => OnDisk(StatePath);

    private static string? OnDisk(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    [Fact]
    public void Advance_WritesAtOnceThenAtMostOncePerInterval()
    {
        var clock = new ManualClock();
        var state = WatchState.Load(StatePath, clock);

        state.Advance("1.1");
        state.Advance("1.2");
        state.Advance("1.3");

        Assert.Equal("1.1", OnDisk());
        Assert.True(state.IsDirty);
        Assert.Equal("1.3", state.Position);
    }

    [Fact]
    public void FlushIfDue_BurstThenSilence_WritesThePendingPositionOnceTheIntervalHasPassed()
    {
        var clock = new ManualClock();
        var state = WatchState.Load(StatePath, clock);
        state.Advance("1.1");
        state.Advance("1.2");

        Assert.False(state.FlushIfDue());
        clock.Advance(WatchState.SaveInterval - TimeSpan.FromTicks(1));
        Assert.False(state.FlushIfDue());
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(state.FlushIfDue());

        Assert.Equal("1.2", OnDisk());
        Assert.False(state.IsDirty);
        Assert.False(state.FlushIfDue()); // nothing new: no rewrite
        Assert.False(File.Exists(StatePath + ".tmp")); // written through the temp file and renamed
    }

    [Fact]
    public async Task RunFlusher_NoFurtherUpdate_PendingPositionReachesTheFileWithinAboutASecond()
    {
        var clock = new ManualClock();
        var state = WatchState.Load(StatePath, clock);
        state.Advance("2.1");
        state.Advance("2.7"); // the end of a burst; then silence
        using var stop = new CancellationTokenSource();
        var seen = new List<string?>();
        var waits = new List<TimeSpan>();

        await state.RunFlusherAsync((wait, ct) =>
        {
            seen.Add(OnDisk()); // what a SIGKILL at this moment would leave
            waits.Add(wait);
            if (waits.Count == 6)
                stop.Cancel();
            ct.ThrowIfCancellationRequested();
            clock.Advance(wait);
            return Task.CompletedTask;
        }, TextWriter.Null, stop.Token);

        Assert.All(waits, w => Assert.Equal(WatchState.FlushTick, w));
        // Ticks at 0.25, 0.5, 0.75 s: not due yet; at 1 s the pending position is written.
        Assert.Equal(["2.1", "2.1", "2.1", "2.1", "2.7", "2.7"], seen);
        Assert.Equal("2.7", OnDisk());
    }

    [Fact]
    public async Task RunFlusher_WithoutStateFile_ReturnsAtOnce()
    {
        var calls = 0;

        await WatchState.Load(null).RunFlusherAsync((_, _) => { calls++; return Task.CompletedTask; }, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task RunFlusher_WriteFails_WarnsAndKeepsGoing()
    {
        var clock = new ManualClock();
        var folder = Path.Combine(_dir.Path, "gone");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "watch.state");
        var state = WatchState.Load(path, clock);
        state.Advance("3.1");
        state.Advance("3.2");
        Directory.Delete(folder, recursive: true);
        using var stop = new CancellationTokenSource();
        var error = new StringWriter();
        var ticks = 0;

        await state.RunFlusherAsync((wait, ct) =>
        {
            ticks++;
            if (ticks == 10)
                Directory.CreateDirectory(folder); // the folder is back
            if (ticks == 12)
                stop.Cancel();
            ct.ThrowIfCancellationRequested();
            clock.Advance(wait);
            return Task.CompletedTask;
        }, error, stop.Token);

        // One warning for the whole failing spell (not one per tick), then word that it recovered.
        var lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"warning: watch: cannot write --state {path}: ", lines[0]);
        Assert.EndsWith(". Retrying quietly.", lines[0]);
        Assert.DoesNotContain(".. ", lines[0]);
        Assert.Equal($"watch: --state {path} written again.", lines[1]);
        Assert.False(state.IsDirty);
        Assert.Equal("3.2", OnDisk(path));
    }

    [Fact]
    public void Save_OnExit_WritesThePendingPositionAtOnce()
    {
        var state = WatchState.Load(StatePath, new ManualClock());
        state.Advance("4.1");
        state.Advance("4.2");

        state.Save();

        Assert.Equal("4.2", OnDisk());
        Assert.Equal("4.2", WatchState.Load(StatePath).Position);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    public void Load_EmptyFile_MeansNoPositionYet(string content)
    {
        File.WriteAllText(StatePath, content);

        Assert.Null(WatchState.Load(StatePath).Position);
    }

    [Theory]
    [InlineData("3f2a9c01b7de.")]
    [InlineData(".42")]
    [InlineData("3f2a9c01b7de.42x")]
    [InlineData("3f2a-9c01.42")]
    [InlineData("3f2a9c01b7de.99999999999999999999")]
    [InlineData("3f2a9c01b7de.9999999999999999999")] // 19 digits, over long.MaxValue: the server would refuse it
    [InlineData("3f2a9c01b7de.+42")]
    public void Load_NotAPosition_IsRefusedNamingTheFile(string content)
    {
        File.WriteAllText(StatePath, content);

        var error = Assert.Throws<WatchStateFileException>(() => WatchState.Load(StatePath));
        Assert.StartsWith($"--state {StatePath}: does not hold a watch position", error.Message);
    }

    [Fact]
    public void Load_PositionWithTrailingNewline_IsRead()
    {
        File.WriteAllText(StatePath, "3f2a9c01b7de.42\n");

        Assert.Equal("3f2a9c01b7de.42", WatchState.Load(StatePath).Position);
    }

    [Fact]
    public void WriteFailure_AfterStart_IsReportedNotThrown()
    {
        var folder = Path.Combine(_dir.Path, "gone");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "watch.state");
        var state = WatchState.Load(path, new ManualClock());
        Directory.Delete(folder);

        state.Advance("4.1");
        var error = new StringWriter();
        state.Save(error);

        Assert.True(state.IsDirty);
        Assert.StartsWith($"warning: watch: cannot write --state {path}: ", error.ToString());
    }
}
