using System.CommandLine;
using System.Text.Json;
using CertExportGrid.Cli.Commands;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Commands;

public class SuppressionsCommandTests
{
    private const string Gw1 = "http://gw1:50051";
    private const string Gw2 = "http://gw2:50051";

    private static IReadOnlyList<(string Name, Admin.AdminClient Client)> One(FakeAdminClient fake) => [(Gw1, fake)];

    private static SuppressionRule Rule(string? dest = null, string? process = null, MatchKind kind = MatchKind.Glob, string comment = "")
    {
        var rule = new SuppressionRule { Comment = comment };
        if (dest is not null)
            rule.Dest = new FieldMatch { Kind = kind, Pattern = dest };
        if (process is not null)
            rule.Process = new FieldMatch { Kind = kind, Pattern = process };
        return rule;
    }

    private static List<JsonElement> JsonLines(StringWriter output) =>
        [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    private static async Task<(int Exit, string Out, string Err)> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Add_SendsTheFieldsKindAndReason_AndPrintsTheStoredRuleAsJson()
    {
        var fake = new FakeAdminClient();
        var output = new StringWriter();

        var exit = await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "LAB-*", process: "certutil.exe", comment: "lab machines"), json: true, output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        var sent = Assert.IsType<AddSuppressionRequest>(Assert.Single(fake.Requests)).Rule;
        Assert.Equal((MatchKind.Glob, "LAB-*"), (sent.Dest.Kind, sent.Dest.Pattern));
        Assert.Equal((MatchKind.Glob, "certutil.exe"), (sent.Process.Kind, sent.Process.Pattern));
        Assert.Null(sent.Subject);
        Assert.Equal("lab machines", sent.Comment);
        var line = Assert.Single(JsonLines(output));
        Assert.Equal(
            ["type", "id", "dest", "subject", "process", "account", "comment", "createdBy", "createdAt"],
            line.EnumerateObject().Select(p => p.Name));
        Assert.Equal("rule", line.GetProperty("type").GetString());
        Assert.Equal("s-1", line.GetProperty("id").GetString());
        Assert.Equal("glob", line.GetProperty("dest").GetProperty("match").GetString());
        Assert.Equal("LAB-*", line.GetProperty("dest").GetProperty("pattern").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("subject").ValueKind);
        Assert.Equal("alice", line.GetProperty("createdBy").GetString());
        Assert.Equal("2024-05-14T09:15:02.0000000Z", line.GetProperty("createdAt").GetString());
    }

    [Fact]
    public async Task List_Table_ShowsEachRuleEscapedAndTheVersion()
    {
        var fake = new FakeAdminClient();
        await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "WKS-\u001b[31m*", comment: "[red]x[/]"), json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        await SuppressionsCommand.AddAsync(One(fake), Rule(process: "^backup\\.exe$", kind: MatchKind.Regex), json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        var output = new StringWriter();

        var exit = await SuppressionsCommand.ListAsync(One(fake), auditLimit: 0, json: false, output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        var text = output.ToString();
        foreach (var expected in new[] { "id", "dest", "process", "comment", "createdBy", "s-1", "s-2", "glob:WKS-\\x1b[31m*", "[red]x[/]", "regex:^backup\\\\.exe$", "alice", "2 rule(s), version 2" })
            Assert.Contains(expected, text);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain("change(s)", text);
        Assert.Equal(1u, Assert.IsType<ListSuppressionsRequest>(fake.Requests[^1]).AuditLimit);
    }

    [Fact]
    public async Task List_JsonWithAudit_PrintsRuleLinesThenTheLatestAuditLines()
    {
        var fake = new FakeAdminClient();
        await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "A"), json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "B"), json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        await SuppressionsCommand.RemoveAsync(One(fake), "s-1", json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        var output = new StringWriter();

        var exit = await SuppressionsCommand.ListAsync(One(fake), auditLimit: 2, json: true, output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Equal(2u, Assert.IsType<ListSuppressionsRequest>(fake.Requests[^1]).AuditLimit);
        var lines = JsonLines(output);
        Assert.Equal(["rule", "audit", "audit"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal("s-2", lines[0].GetProperty("id").GetString());
        Assert.Equal(["type", "at", "actor", "action", "ruleId", "detail"], lines[1].EnumerateObject().Select(p => p.Name));
        Assert.Equal([("add", "s-2"), ("remove", "s-1")], lines.Skip(1).Select(l => (l.GetProperty("action").GetString(), l.GetProperty("ruleId").GetString())));
    }

    [Fact]
    public async Task Remove_Table_PrintsTheRemovedRule()
    {
        var fake = new FakeAdminClient();
        await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "A"), json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);
        var output = new StringWriter();

        var exit = await SuppressionsCommand.RemoveAsync(One(fake), "s-1", json: false, output, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Contains("glob:A", output.ToString());
        Assert.Contains("removed s-1", output.ToString());
        Assert.Empty(fake.Rules);
    }

    [Fact]
    public async Task Remove_UnknownId_Exits3WithTheServersMessage()
    {
        var error = new StringWriter();

        var exit = await SuppressionsCommand.RemoveAsync(One(new FakeAdminClient()), "s-9", json: false, TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(3, exit);
        Assert.Equal($"error: suppressions remove: the server at {Gw1} failed the call (NotFound: No suppression rule has id 's-9'.)", error.ToString().Trim());
    }

    [Fact]
    public async Task Add_PermissionDenied_Exits3WithTheStatusMessage()
    {
        var fake = new FakeAdminClient { Failure = new RpcException(new Status(StatusCode.PermissionDenied, "identity 'soc' lacks role admin")) };
        var error = new StringWriter();

        var exit = await SuppressionsCommand.AddAsync(One(fake), Rule(dest: "A"), json: false, TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(3, exit);
        Assert.Equal($"error: suppressions add: the server at {Gw1} failed the call (PermissionDenied: identity 'soc' lacks role admin)", error.ToString().Trim());
    }

    [Fact]
    public async Task Add_FirstGatewayUnavailable_AddsOnTheNext()
    {
        var down = new FakeAdminClient { Failure = new RpcException(new Status(StatusCode.Unavailable, "connection refused")) };
        var up = new FakeAdminClient();
        var error = new StringWriter();

        var exit = await SuppressionsCommand.AddAsync([(Gw1, down), (Gw2, up)], Rule(dest: "A"), json: true, TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Single(up.Rules);
        Assert.StartsWith($"warning: {Gw1} did not answer (Unavailable: connection refused); trying {Gw2}", error.ToString());
    }

    [Fact]
    public async Task Add_FirstGatewayDeadlineExceeded_IsFinalSoTheRuleIsNotAddedTwice()
    {
        var slow = new FakeAdminClient { Failure = new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline")) };
        var other = new FakeAdminClient();
        var error = new StringWriter();

        var exit = await SuppressionsCommand.AddAsync([(Gw1, slow), (Gw2, other)], Rule(dest: "A"), json: true, TextWriter.Null, error, CancellationToken.None);

        Assert.Equal(3, exit);
        Assert.Empty(other.Requests);
        Assert.Contains($"error: suppressions add: cannot reach the server at {Gw1} (DeadlineExceeded: deadline)", error.ToString());
    }

    [Fact]
    public async Task List_FirstGatewayDeadlineExceeded_ListsFromTheNext()
    {
        var slow = new FakeAdminClient { Failure = new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline")) };
        var other = new FakeAdminClient();

        var exit = await SuppressionsCommand.ListAsync([(Gw1, slow), (Gw2, other)], 0, json: true, TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Single(other.Requests);
    }

    [Theory]
    [InlineData("suppressions", "add")]
    [InlineData("suppressions", "add", "--reason", "why")]
    [InlineData("suppressions", "add", "--dest", "")]
    [InlineData("suppressions", "add", "--dest", "A", "--match", "fuzzy")]
    [InlineData("suppressions", "add", "--dest", "A", "--format", "xml")]
    [InlineData("suppressions", "remove")]
    [InlineData("suppressions", "list", "--audit", "1001")]
    [InlineData("suppressions", "list", "--server", "ftp://127.0.0.1:1")]
    public async Task Cli_BadArguments_ExitWithUsageErrorWithoutCalling(params string[] args)
    {
        // Nothing listens on port 1: had the command called the server it would exit 3, not 1.
        var (exit, _, err) = await RunCliAsync(args.Contains("--server") ? args : [.. args, "--server", "http://127.0.0.1:1"]);

        Assert.Equal(1, exit);
        Assert.NotEmpty(err);
    }

    [Fact]
    public async Task Cli_AddWithoutAField_SaysWhichOptionsAreNeeded()
    {
        var (exit, _, err) = await RunCliAsync("suppressions", "add", "--server", "http://127.0.0.1:1", "--reason", "r");

        Assert.Equal(1, exit);
        Assert.Equal("error: suppressions add needs at least one of --dest, --subject, --process, --account.", err.Trim());
    }

    [Fact]
    public async Task Cli_ListUnreachable_Exits3NamingTheUrl()
    {
        var (exit, _, err) = await RunCliAsync("suppressions", "list", "--server", "http://127.0.0.1:1");

        Assert.Equal(3, exit);
        Assert.Contains("error: suppressions list: cannot reach the server at http://127.0.0.1:1 (Unavailable", err);
    }

    [Theory]
    [InlineData("exact", MatchKind.Exact)]
    [InlineData("glob", MatchKind.Glob)]
    [InlineData("regex", MatchKind.Regex)]
    public void KindOf_MapsTheMatchOption(string name, MatchKind kind) => Assert.Equal(kind, SuppressionsCommand.KindOf(name));

    [Fact]
    public void Parse_MatchDefaultsToExactAndIncludeSuppressedIsAccepted()
    {
        Assert.Empty(CliApp.Build().Parse(["findings", "--include-suppressed"]).Errors);
        Assert.Empty(CliApp.Build().Parse(["watch", "--include-suppressed", "--state", "w.state"]).Errors);
        var parse = CliApp.Build().Parse(["suppressions", "add", "--dest", "A"]);
        Assert.Empty(parse.Errors);
        Assert.Equal("exact", parse.GetValue<string>("--match"));
    }
}
