using CertExportGrid.Cli.Commands;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Commands;

/// <summary>--server lists, --max-batch-bytes, and what replay says about odd inputs (directories, empty files, UTF-16).</summary>
public sealed class GatewaysAndInputsTests : IDisposable
{
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void ParseServers_CommaSeparated_TrimsAndKeepsOrder()
    {
        var error = new StringWriter();

        var urls = CommonOptions.ParseServers(" http://gw1:50051, https://gw2.corp:443 ,,http://127.0.0.1:50053 ", error);

        Assert.Equal(["http://gw1:50051/", "https://gw2.corp/", "http://127.0.0.1:50053/"], urls!.Select(u => u.ToString()));
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData("http://gw1:50051,ftp://gw2", "got 'ftp://gw2'")]
    [InlineData(" , ", "got ' , '")]
    public void ParseServers_AnyBadEntry_IsAUsageErrorNamingIt(string server, string expected)
    {
        var error = new StringWriter();

        Assert.Null(CommonOptions.ParseServers(server, error));
        Assert.Contains(expected, error.ToString());
    }

    [Theory]
    [InlineData("4194304", 4194304L)]
    [InlineData("4MiB", 4194304L)]
    [InlineData("4m", 4194304L)]
    [InlineData("512KiB", 524288L)]
    [InlineData("512kb", 524288L)]
    [InlineData("1GiB", 1073741824L)]
    public void TryParseBytes_NumbersAndBinaryUnits(string text, long expected)
    {
        Assert.True(CommonOptions.TryParseBytes(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("-1")]
    [InlineData("4 TiB")]
    [InlineData("1.5MiB")]
    public void TryParseBytes_Nonsense_IsRefused(string text)
    {
        Assert.False(CommonOptions.TryParseBytes(text, out _));
    }

    [Theory]
    [InlineData("512")]
    [InlineData("lots")]
    [InlineData("2GiB")]
    public async Task Replay_BadMaxBatchBytes_ExitsWithUsageError(string value)
    {
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event() + "\n"));

        var (exit, _, err) = await RunAsync("replay", "--max-batch-bytes", value, file);

        Assert.Equal(1, exit);
        Assert.Contains("--max-batch-bytes must be a size between 1KiB and 1024MiB", err);
    }

    [Fact]
    public void MaxBatchBytes_DefaultsTo4MiB()
    {
        var collector = new CollectorOptions(checkpointRequired: false);
        var command = new System.CommandLine.Command("replay");
        collector.AddTo(command);

        var options = collector.ToReplayOptions(command.Parse(["a.xml"]));

        Assert.Equal(4L * 1024 * 1024, options.MaxBatchBytes);
        Assert.Equal(8L * 1024 * 1024, collector.ToReplayOptions(command.Parse(["a.xml", "--max-batch-bytes", "8MiB"])).MaxBatchBytes);
    }

    [Fact]
    public async Task Replay_Directory_ExitsWithUsageErrorSayingWhatToGive()
    {
        var (exit, _, err) = await RunAsync("replay", "--server", "http://127.0.0.1:1", _dir.Path);

        Assert.Equal(1, exit);
        Assert.Equal($"error: {_dir.Path} is a directory (give the event files, e.g. {_dir.Path}/*.xml)", err.Trim());
    }

    [Fact]
    public async Task Tail_Directory_ExitsWithUsageError()
    {
        var (exit, _, err) = await RunAsync("tail", "--server", "http://127.0.0.1:1", "--checkpoint", Path.Combine(_dir.Path, "cp.json"), _dir.Path + "/");

        Assert.Equal(1, exit);
        Assert.Contains($"is a directory (give the event files, e.g. {_dir.Path}/*.xml)", err);
    }

    [Fact]
    public async Task Replay_SeveralUnreachableGateways_Exits3NamingTheLastOneTried()
    {
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event() + "\n"));

        var (exit, _, err) = await RunAsync("replay", "-q", "--max-attempts", "2", "--max-backoff", "100ms", "--server", "http://127.0.0.1:1,http://127.0.0.1:2", file);

        Assert.Equal(3, exit);
        Assert.Contains("reconnecting to http://127.0.0.1:2 in", err);
        Assert.Contains("replay: gave up after 2 failed attempt(s) in a row: cannot reach the server at http://127.0.0.1:2 (Unavailable", err);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    public async Task Replay_EmptyFile_WarnsItHasNoEvents(byte[] content)
    {
        var empty = _dir.File("empty.xml", content);
        var full = _dir.File("full.xml", TestData.Utf8(TestData.Lines(2)));
        var notices = new StringWriter();
        var fake = new FakeIngestClient();

        var summary = await new ReplayClient(fake) { Notices = notices }.ReplayAsync([empty, full]);

        Assert.Equal($"warning: {empty} has no events", notices.ToString().Trim());
        Assert.Equal((2, 2L, 2L), (summary.Files, summary.Events, summary.Accepted));
    }

    [Fact]
    public async Task Replay_Utf16FileWithoutBom_WarnsAndStillSendsEveryLineWithAHintOnItsRejection()
    {
        var file = _dir.File("u16.xml", System.Text.Encoding.Unicode.GetBytes(TestData.Lines(3).Replace("\n", "\r\n", StringComparison.Ordinal)));
        var notices = new StringWriter();
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var ack = new BatchAck { BatchId = b.BatchId };
                for (var i = 0; i < b.Events.Count; i++)
                    ack.Rejected.Add(new EventRejection { Index = (uint)i, Reason = RejectReason.NotWellFormed, Message = "'.', hexadecimal value 0x00, is an invalid character." });
                return ack;
            },
        };

        var summary = await new ReplayClient(fake) { Notices = notices }.ReplayAsync([file]);

        Assert.Equal($"warning: {file} looks like UTF-16 without a byte-order mark; re-save it with a BOM or as UTF-8", notices.ToString().Trim());
        Assert.Equal(3, fake.Received.Sum(b => b.Events.Count));
        Assert.Equal(System.Text.Encoding.Unicode.GetBytes(TestData.Event(recordId: 2)), fake.Received.SelectMany(b => b.Events).ElementAt(1).XmlUtf8.ToByteArray());
        Assert.Equal([1, 2, 3], summary.Rejected.Select(r => r.Line));
        Assert.All(summary.Rejected, r => Assert.Equal(
            "'.', hexadecimal value 0x00, is an invalid character. (" + ChunkIntake.Utf16LineNote + ")", r.Message));
    }

    [Fact]
    public async Task Replay_NulAfterLineFeed_IsSentWithTheLine()
    {
        byte[] content = [.. TestData.Utf8(TestData.Event(recordId: 1) + "\n"), 0x00, .. TestData.Utf8(TestData.Event(recordId: 2) + "\n")];
        var fake = new FakeIngestClient();

        await new ReplayClient(fake).ReplayAsync([_dir.File("nul.xml", content)]);

        var sent = fake.Received.SelectMany(b => b.Events).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal([0x00, .. TestData.Utf8(TestData.Event(recordId: 2))], sent[1].XmlUtf8.ToByteArray());
    }

    private sealed class FailingFindings(StatusCode code) : Findings.FindingsClient
    {
        public int Calls { get; private set; }

        public override AsyncUnaryCall<ListFindingsResponse> ListFindingsAsync(ListFindingsRequest request, CallOptions options)
        {
            Calls++;
            throw new RpcException(new Status(code, "gateway down"));
        }
    }

    [Fact]
    public async Task Findings_FirstGatewayDown_UsesTheNextThatAnswers()
    {
        var down = new FailingFindings(StatusCode.Unavailable);
        var up = new FakeFindingsClient { Pages = [[new Finding { Dest = "b", Subject = "s" }, new Finding { Dest = "a", Subject = "s" }]] };
        var notices = new StringWriter();

        var (server, (findings, rows)) = await CommonOptions.FirstAnsweringAsync<Findings.FindingsClient, (List<Finding>, List<SplunkRow>)>(
            [("http://gw1:50051", down), ("http://gw2:50051", up)],
            c => FindingsCommand.FetchAsync(c, new FindingFilter(), withRows: false, CancellationToken.None), notices, CancellationToken.None);

        Assert.Equal("http://gw2:50051", server);
        Assert.Equal(["a", "b"], findings.Select(f => f.Dest));
        Assert.Empty(rows);
        Assert.Equal(1, down.Calls);
        Assert.Equal("warning: http://gw1:50051 did not answer (Unavailable: gateway down); trying http://gw2:50051", notices.ToString().Trim());
    }

    [Fact]
    public async Task Findings_FirstGatewayRefuses_IsAnAnswerAndFinal()
    {
        var refusing = new FailingFindings(StatusCode.PermissionDenied);
        var other = new FakeFindingsClient();

        var ex = await Assert.ThrowsAsync<RpcException>(() => CommonOptions.FirstAnsweringAsync<Findings.FindingsClient, (List<Finding>, List<SplunkRow>)>(
            [("http://gw1:50051", refusing), ("http://gw2:50051", other)],
            c => FindingsCommand.FetchAsync(c, new FindingFilter(), withRows: false, CancellationToken.None), TextWriter.Null, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Empty(other.ListRequests);
    }

    [Fact]
    public async Task Findings_SeveralUnreachableGateways_Exits3NamingTheLast()
    {
        var (exit, _, err) = await RunAsync("findings", "--server", "http://127.0.0.1:1,http://127.0.0.1:2", "--format", "json");

        Assert.Equal(3, exit);
        Assert.Contains("warning: http://127.0.0.1:1 did not answer (Unavailable", err);
        Assert.Contains("findings: cannot reach the server at http://127.0.0.1:2 (Unavailable", err);
    }

    [Fact]
    public async Task Status_SeveralUnreachableGateways_Exits3WithEachReason()
    {
        var (exit, _, err) = await RunAsync("status", "--server", "http://127.0.0.1:1,http://127.0.0.1:2");

        Assert.Equal(3, exit);
        Assert.Contains("status: cannot reach the server at http://127.0.0.1:1 (Unavailable", err);
        Assert.Contains("status: cannot reach the server at http://127.0.0.1:2 (Unavailable", err);
    }
}
