using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using AdminClient = CertExportGrid.Contracts.V1.Admin.AdminClient;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>
/// The filter macro as audited rules: suppressed events still count, suppressed findings are not
/// published to normal subscribers, are counted, can be listed on request; removing a rule resets nothing.
/// </summary>
public sealed class SuppressionTests : IAsyncLifetime
{
    private readonly TestKey _operator = TestKey.Create("alice-operator", ["admin", "read"]);
    private readonly TestKey _collector = TestKey.Create("collector-01", ["ingest"]);
    private NodeFactory _factory = null!;
    private GrpcChannel _admin = null!;
    private GrpcChannel _ingest = null!;

    public Task InitializeAsync()
    {
        _factory = new NodeFactory(SecurityTestSupport.WithKeys([_operator, _collector]));
        _admin = _factory.CreateChannel(_operator.Secret);
        _ingest = _factory.CreateChannel(_collector.Secret);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        _ingest.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task AddListRemove_Audited_SuppressedFindingHiddenCountedListableAndNeverReset()
    {
        var admin = new AdminClient(_admin);
        var findings = new FindingsClient(_admin);
        using var normal = findings.Subscribe(new SubscribeRequest { IncludeSnapshot = true });
        using var everything = findings.Subscribe(new SubscribeRequest { IncludeSnapshot = true, IncludeSuppressed = true });
        // Registered once the (empty) snapshot is complete.
        Assert.True(await normal.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await everything.ResponseStream.MoveNext(CancellationToken.None));

        var rule = await admin.AddSuppressionAsync(new AddSuppressionRequest
        {
            Rule = new SuppressionRule
            {
                Process = new FieldMatch { Kind = MatchKind.Exact, Pattern = "BACKUP-AGENT.EXE" },
                Dest = new FieldMatch { Kind = MatchKind.Glob, Pattern = "srv-*" },
                Comment = "nightly certificate backup",
            },
        });
        Assert.Equal("s-1", rule.Id);
        Assert.Equal("alice-operator", rule.CreatedBy);

        var backup = new EventXml { Computer = "SRV-BACKUP-01", ProcessName = "backup-agent.exe", RecordId = 1 };
        var mimikatz = new EventXml { Computer = "WKS-042", ProcessName = "mimikatz.exe", RecordId = 1 };
        await IngestDriver.SendAsync(_ingest, [IngestDriver.Batch("b1", [backup.Render(), (backup with { RecordId = 2 }).Render(), mimikatz.Render()])]);

        // Normal subscribers see only the unsuppressed finding; include_suppressed sees both.
        Assert.Equal("WKS-042", (await NextFindingAsync(normal)).Dest);
        var seen = new[] { await NextFindingAsync(everything), await NextFindingAsync(everything) }.OrderBy(f => f.Dest, StringComparer.Ordinal).ToList();
        Assert.Equal([("SRV-BACKUP-01", true, 2ul), ("WKS-042", false, 0ul)], seen.Select(f => (f.Dest, f.Suppressed, f.SuppressedCount)));

        Assert.Equal(["WKS-042"], (await findings.ListFindingsAsync(new ListFindingsRequest())).Findings.Select(f => f.Dest));
        var all = (await findings.ListFindingsAsync(new ListFindingsRequest { IncludeSuppressed = true })).Findings;
        var suppressed = Assert.Single(all, f => f.Suppressed);
        Assert.Equal(("SRV-BACKUP-01", 2ul, 2ul), (suppressed.Dest, suppressed.Count, suppressed.SuppressedCount));

        var listing = await admin.ListSuppressionsAsync(new ListSuppressionsRequest());
        Assert.Equal("s-1", Assert.Single(listing.Rules).Id);
        var added = Assert.Single(listing.Audit);
        Assert.Equal(("alice-operator", "add", "s-1"), (added.Actor, added.Action, added.RuleId));
        Assert.Contains("process exact 'BACKUP-AGENT.EXE'", added.Detail, StringComparison.Ordinal);
        Assert.Contains("nightly certificate backup", added.Detail, StringComparison.Ordinal);

        var removed = await admin.RemoveSuppressionAsync(new RemoveSuppressionRequest { Id = "s-1" });
        Assert.Equal("s-1", removed.Removed.Id);

        // No state was reset: the finding is back with everything it counted meanwhile.
        var back = (await findings.ListFindingsAsync(new ListFindingsRequest())).Findings.Single(f => f.Dest == "SRV-BACKUP-01");
        Assert.Equal((2ul, false, 2ul), (back.Count, back.Suppressed, back.SuppressedCount));
        var audit = (await admin.ListSuppressionsAsync(new ListSuppressionsRequest())).Audit;
        Assert.Equal(["add", "remove"], audit.Select(entry => entry.Action));
        Assert.All(audit, entry => Assert.Equal("alice-operator", entry.Actor));
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => admin.RemoveSuppressionAsync(new RemoveSuppressionRequest { Id = "s-1" }).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task OneUncoveredRow_KeepsTheFindingVisible_ALaterWhitelistedExportCannotHideIt()
    {
        await new AdminClient(_admin).AddSuppressionAsync(new AddSuppressionRequest
        {
            Rule = new SuppressionRule { Process = new FieldMatch { Kind = MatchKind.Regex, Pattern = "^backup-(agent|helper)\\.exe$" } },
        });
        var attack = new EventXml { Computer = "WKS-1", ProcessName = "mimikatz.exe", RecordId = 1, SystemTime = "2024-06-01T10:00:00Z" };
        var cover = attack with { ProcessName = "backup-helper.exe", RecordId = 2, SystemTime = "2024-06-01T11:00:00Z" };

        await IngestDriver.SendAsync(_ingest, [IngestDriver.Batch("b", [attack.Render(), cover.Render()])]);

        var finding = Assert.Single((await new FindingsClient(_admin).ListFindingsAsync(new ListFindingsRequest())).Findings);
        Assert.False(finding.Suppressed);
        Assert.Equal((2ul, 1ul, "backup-helper.exe"), (finding.Count, finding.SuppressedCount, finding.LastExport.ProcessName));
    }

    [Theory]
    [InlineData(MatchKind.Regex, "(a)\\1")]
    [InlineData(MatchKind.Regex, "(?<=x)y")]
    [InlineData(MatchKind.Regex, "[")]
    [InlineData(MatchKind.Exact, "")]
    public async Task AddSuppression_UnusablePattern_InvalidArgument(MatchKind kind, string pattern)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => new AdminClient(_admin).AddSuppressionAsync(new AddSuppressionRequest
        {
            Rule = new SuppressionRule { Subject = new FieldMatch { Kind = kind, Pattern = pattern } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("subject:", error.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<Finding> NextFindingAsync(AsyncServerStreamingCall<SubscribeResponse> call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.Finding is { } finding)
            {
                return finding;
            }
        }

        throw new InvalidOperationException("The subscription ended.");
    }
}
