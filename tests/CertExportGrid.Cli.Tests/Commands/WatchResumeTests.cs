using System.Text.Json;
using CertExportGrid.Cli.Commands;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Commands;

public sealed class WatchResumeTests : IDisposable
{
    private static readonly ReconnectPolicy Policy = new() { MaxAttempts = 3, InitialBackoff = TimeSpan.Zero, MaxBackoff = TimeSpan.Zero };
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    private static Finding F(string dest, ulong version) => new() { Dest = dest, Subject = "s", Count = version, Version = version };

    /// <summary>Each Subscribe call plays the next script: its responses, then its end (an exception, or a clean end).</summary>
    private sealed class ScriptedFindingsClient(params (SubscribeResponse[] Responses, RpcException? End)[] scripts) : Findings.FindingsClient
    {
        public List<SubscribeRequest> Requests { get; } = [];

        public override AsyncServerStreamingCall<SubscribeResponse> Subscribe(SubscribeRequest request, CallOptions options)
        {
            Requests.Add(request.Clone());
            var (responses, end) = Requests.Count <= scripts.Length
                ? scripts[Requests.Count - 1]
                : ([], new RpcException(new Status(StatusCode.Cancelled, "script over")));
            return new(new Reader(responses, end), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        private sealed class Reader(SubscribeResponse[] responses, RpcException? end) : IAsyncStreamReader<SubscribeResponse>
        {
            private int _next;

            public SubscribeResponse Current { get; private set; } = null!;

            public Task<bool> MoveNext(CancellationToken cancellationToken)
            {
                if (_next < responses.Length)
                {
                    Current = responses[_next++];
                    return Task.FromResult(true);
                }

                return end is null ? Task.FromResult(false) : Task.FromException<bool>(end);
            }
        }
    }

    private static RpcException Unavailable() => new(new Status(StatusCode.Unavailable, "server restarting"));

    [Fact]
    public async Task Follow_StreamDrops_ResumesFromTheLastPositionAndPrintsIt()
    {
        var client = new ScriptedFindingsClient(
            ([new() { Finding = F("a", 1), Position = "1.5" }, new() { Finding = F("b", 1), Position = "1.6" }], Unavailable()),
            ([new() { Finding = F("c", 1), Position = "1.7" }], new RpcException(new Status(StatusCode.PermissionDenied, "enough"))));
        var output = new StringWriter();
        var error = new StringWriter();
        var state = WatchState.Load(Path.Combine(_dir.Path, "watch.state"));

        var ex = await Assert.ThrowsAsync<WatchFailedException>(() => WatchCommand.FollowAsync(
            client, new SubscribeRequest { IncludeSnapshot = true }, json: true, state, Policy, (_, _) => Task.CompletedTask, output, error, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, ex.Status.StatusCode);
        Assert.Equal(["", "1.6"], client.Requests.Select(r => r.ResumeFrom));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["1.5", "1.6", "1.7"], lines.Select(l => l.GetProperty("position").GetString()));
        Assert.Contains("resuming from position 1.6", error.ToString());
        state.Save();
        Assert.Equal("1.7", File.ReadAllText(Path.Combine(_dir.Path, "watch.state")).Trim());
    }

    [Fact]
    public async Task Follow_StateFile_SubscribesWithResumeFromAndShowsResumeExpiredThenTheSnapshot()
    {
        var statePath = _dir.File("watch.state", TestData.Utf8("3.99\n"));
        var client = new ScriptedFindingsClient(
            ([
                new() { ResumeExpired = new ResumeExpired { Requested = "3.99", Reason = "gateway restarted" } },
                new() { Finding = F("a", 4) },
                new() { SnapshotComplete = new SnapshotComplete { Count = 1 }, Position = "4.1" },
            ], new RpcException(new Status(StatusCode.PermissionDenied, "enough"))));
        var output = new StringWriter();
        var error = new StringWriter();

        await Assert.ThrowsAsync<WatchFailedException>(() => WatchCommand.FollowAsync(
            client, new SubscribeRequest(), json: false, WatchState.Load(statePath), Policy, (_, _) => Task.CompletedTask, output, error, CancellationToken.None));

        Assert.Equal("3.99", Assert.Single(client.Requests).ResumeFrom);
        Assert.Equal("!! resume expired: position 3.99 is no longer available (gateway restarted); a fresh snapshot follows", error.ToString().Trim());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("  a  s  count=4  ", lines[0]);
        Assert.Equal("-- snapshot complete: 1 finding(s); live updates follow --", lines[1].TrimEnd('\r'));
    }

    [Fact]
    public async Task Follow_ResumeExpiredAndGapInJson_AreTypedLines()
    {
        var client = new ScriptedFindingsClient(
            ([
                new() { ResumeExpired = new ResumeExpired { Requested = "1.1", Reason = "too old" } },
                new() { Gap = new Gap { Dropped = 3, Reason = "slow" } },
            ], new RpcException(new Status(StatusCode.PermissionDenied, "enough"))));
        var output = new StringWriter();

        await Assert.ThrowsAsync<WatchFailedException>(() => WatchCommand.FollowAsync(
            client, new SubscribeRequest { ResumeFrom = "1.1" }, json: true, WatchState.Load(null), Policy, (_, _) => Task.CompletedTask, output, TextWriter.Null, CancellationToken.None));

        var types = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString());
        Assert.Equal(["resume_expired", "gap"], types);
    }

    [Fact]
    public async Task Follow_NeverConnects_GivesUpAfterMaxAttempts()
    {
        var client = new ScriptedFindingsClient(([], Unavailable()), ([], Unavailable()), ([], Unavailable()));
        var waits = new List<TimeSpan>();

        var ex = await Assert.ThrowsAsync<WatchFailedException>(() => WatchCommand.FollowAsync(
            client, new SubscribeRequest(), json: true, WatchState.Load(null), Policy,
            (w, _) => { waits.Add(w); return Task.CompletedTask; }, TextWriter.Null, TextWriter.Null, CancellationToken.None));

        Assert.Equal((3, StatusCode.Unavailable, 3, 2), (ex.Attempts, ex.Status.StatusCode, client.Requests.Count, waits.Count));
        // No position was ever received: the reconnects ask for a snapshot so nothing changes unseen.
        Assert.Equal([false, true, true], client.Requests.Select(r => r.IncludeSnapshot));
    }

    [Fact]
    public async Task Follow_SeveralGateways_EachReconnectGoesToTheNextAndResumesFromTheLastPosition()
    {
        var gw1 = new ScriptedFindingsClient(
            ([new() { Finding = F("a", 1), Position = "1.5" }], Unavailable()),
            ([new() { Finding = F("c", 1), Position = "1.9" }], new RpcException(new Status(StatusCode.PermissionDenied, "enough"))));
        var gw2 = new ScriptedFindingsClient(([], Unavailable()));
        var output = new StringWriter();
        var error = new StringWriter();

        var ex = await Assert.ThrowsAsync<WatchFailedException>(() => WatchCommand.FollowAsync(
            [("http://gw1:50051", gw1), ("http://gw2:50051", gw2)], new SubscribeRequest { IncludeSnapshot = true }, json: true, WatchState.Load(null), Policy,
            (_, _) => Task.CompletedTask, output, error, CancellationToken.None));

        // gw1 (drops), gw2 (refuses), gw1 again: each reconnect resumes from the last position received.
        Assert.Equal(["", "1.5"], gw1.Requests.Select(r => r.ResumeFrom));
        Assert.Equal(["1.5"], gw2.Requests.Select(r => r.ResumeFrom));
        Assert.Equal((StatusCode.PermissionDenied, "http://gw1:50051"), (ex.Status.StatusCode, ex.Endpoint));
        var notices = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("warning: watch: subscription at http://gw1:50051 lost (Unavailable: server restarting); resuming from position 1.5 on http://gw2:50051 in", notices[0]);
        Assert.StartsWith("warning: watch: subscription at http://gw2:50051 lost (Unavailable: server restarting); resuming from position 1.5 on http://gw1:50051 in", notices[1]);
        Assert.Equal(2, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
