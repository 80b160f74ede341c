using System.CommandLine;
using CertExportGrid.Cli.Commands;

namespace CertExportGrid.Cli.Tests.Commands;

public sealed class CommandLineTests : IDisposable
{
    private const string Unreachable = "http://127.0.0.1:1";
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Replay_MissingFile_ExitsWithUsageErrorNamingTheFile()
    {
        var missing = Path.Combine(_dir.Path, "nope.xml");

        var (exit, _, err) = await RunAsync("replay", "--server", Unreachable, missing);

        Assert.Equal(1, exit);
        Assert.Contains($"no such file: {missing}", err);
    }

    [Fact]
    public async Task Replay_UnknownOption_IsCalledAnUnknownOption_NotAMissingFile()
    {
        var file = Path.Combine(_dir.Path, "events.xml");
        await File.WriteAllTextAsync(file, "<Event/>");

        var (exit, _, err) = await RunAsync("replay", "--server", Unreachable, "--bogus", file);

        Assert.Equal(1, exit);
        Assert.Contains("error: unknown option --bogus (--help lists the options", err);
        Assert.DoesNotContain("no such file", err);
    }

    [Fact]
    public async Task Replay_DashNameOfAnExistingFile_IsStillAnOption_ButDotSlashSendsIt()
    {
        // A mistyped option that happens to match a file name must not send that file.
        var name = $"-dash-{Guid.NewGuid():N}.xml";
        await File.WriteAllTextAsync(name, "<Event/>");
        try
        {
            var (exit, _, err) = await RunAsync("replay", "--server", Unreachable, name);
            Assert.Equal(1, exit);
            Assert.Contains($"error: unknown option {name} (--help lists the options; a file whose name starts with '-' can be given as ./{name})", err);

            // Given as ./NAME it is a file: the command goes past the argument checks and fails
            // only on the unreachable server (exit 3), not on usage (exit 1).
            var (sent, _, _) = await RunAsync("replay", "--server", Unreachable, "--max-attempts", "1", $"./{name}");
            Assert.Equal(3, sent);
        }
        finally
        {
            File.Delete(name);
        }
    }

    [Fact]
    public async Task Replay_NoFiles_ExitsWithUsageError()
    {
        var (exit, _, _) = await RunAsync("replay");

        Assert.Equal(1, exit);
    }

    [Theory]
    [InlineData("--batch-size", "0")]
    [InlineData("--batch-size", "many")]
    [InlineData("--max-in-flight", "0")]
    [InlineData("--retries", "-1")]
    public async Task Replay_BadNumber_ExitsWithUsageError(string option, string value)
    {
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event() + "\n"));

        var (exit, _, err) = await RunAsync("replay", option, value, file);

        Assert.Equal(1, exit);
        Assert.Contains(option, err); // the error names the option it refuses
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:50051")]
    [InlineData("127.0.0.1:50051")]
    public async Task Replay_BadServerUrl_ExitsWithUsageError(string server)
    {
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event() + "\n"));

        var (exit, _, err) = await RunAsync("replay", "--server", server, file);

        Assert.Equal(1, exit);
        Assert.Contains("--server must be an absolute http:// or https:// URL", err);
    }

    [Fact]
    public async Task Replay_UnreachableServer_Exits3NamingUrlAndStatus()
    {
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event() + "\n"));

        var (exit, _, err) = await RunAsync("replay", "-q", "--max-attempts", "1", "--server", Unreachable, file);

        Assert.Equal(3, exit);
        Assert.Contains($"replay: gave up after 1 failed attempt(s) in a row: cannot reach the server at {Unreachable} (Unavailable", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task Findings_UnreachableServer_Exits3NamingUrlAndStatus()
    {
        var (exit, _, err) = await RunAsync("findings", "--server", Unreachable, "--format", "json");

        Assert.Equal(3, exit);
        Assert.Contains($"findings: cannot reach the server at {Unreachable} (Unavailable", err);
    }

    [Fact]
    public async Task Watch_UnreachableServer_Exits3NamingUrlAndStatus()
    {
        var (exit, _, err) = await RunAsync("--server", Unreachable, "watch", "--max-attempts", "1");

        Assert.Equal(3, exit);
        Assert.Contains($"watch: gave up after 1 failed attempt(s) in a row: cannot reach the server at {Unreachable} (Unavailable", err);
    }

    [Theory]
    [InlineData("watch", "--max-backoff", "10s")]
    [InlineData("tail", "--poll", "500ms")]
    public async Task Help_ShowsDurationDefaultsAsTyped(string command, string option, string typed)
    {
        var (exit, output, _) = await RunAsync(command, "--help");

        Assert.Equal(0, exit);
        var line = output.Split('\n').Single(l => l.TrimStart().StartsWith(option, StringComparison.Ordinal));
        Assert.EndsWith($"Default {typed}.", line.TrimEnd());
    }

    [Theory]
    [InlineData("watch", "--max-backoff", "0s", "at least 100ms")]
    [InlineData("watch", "--max-backoff", "1ms", "at least 100ms")]
    [InlineData("tail", "--poll", "5ms", "at least 10ms")]
    [InlineData("watch", "--max-backoff", "soon", "a duration like 500ms, 10s or 2m (at most a day)")]
    [InlineData("watch", "--max-backoff", "NaNs", "a duration like 500ms, 10s or 2m (at most a day)")]
    [InlineData("tail", "--poll", "Infinityms", "a duration like 500ms, 10s or 2m (at most a day)")]
    public async Task Duration_TooShortOrNotADuration_IsAUsageError(string command, string option, string value, string expected)
    {
        var (exit, _, err) = await RunAsync(command, option, value);

        Assert.Equal(1, exit);
        Assert.Contains($"{option} must be {expected}, got '{value}'.", err);
    }

    [Theory]
    [InlineData(new string[0], 10_000)]
    [InlineData(new[] { "--max-backoff", "1.5s" }, 1_500)]
    [InlineData(new[] { "--max-backoff", "250ms" }, 250)]
    public void MaxBackoff_AbsentIsTheDefault_GivenIsParsed(string[] given, int expectedMs)
    {
        var option = CommonOptions.MaxBackoff();
        var attempts = CommonOptions.MaxAttempts();
        var parse = new RootCommand { option, attempts }.Parse(given);

        Assert.Empty(parse.Errors);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), CommonOptions.Reconnect(parse, attempts, option).MaxBackoff);
    }

    [Theory]
    [InlineData("folder", "is a folder")]
    [InlineData("not a position\n", "does not hold a watch position")]
    [InlineData("big", "does not hold a watch position")]
    public async Task Watch_UnusableStateFile_ExitsWithUsageErrorNamingTheFileBeforeConnecting(string content, string problem)
    {
        var path = Path.Combine(_dir.Path, "watch.state");
        if (content == "folder")
            Directory.CreateDirectory(path);
        else
            await File.WriteAllTextAsync(path, content == "big" ? new string('7', 100_000) : content);

        var (exit, _, err) = await RunAsync("--server", Unreachable, "watch", "--max-attempts", "1", "--state", path);

        Assert.Equal(1, exit);
        Assert.StartsWith($"error: --state {path}: {problem}", err);
        Assert.DoesNotContain("cannot reach", err);
        Assert.True(err.Length < 300, "the error echoes the file");
    }

    [Theory]
    [InlineData("watch", "--state")]
    [InlineData("replay", "--checkpoint")]
    [InlineData("tail", "--checkpoint")]
    public async Task StateFile_ADeviceNode_IsRefusedBeforeAnythingIsSent(string command, string option)
    {
        // Renaming over it would replace the device (for root, the system's /dev/null).
        var events = Path.Combine(_dir.Path, "events.xml");
        await File.WriteAllTextAsync(events, "");
        string[] args = command == "watch"
            ? ["--server", Unreachable, "watch", "--max-attempts", "1", option, "/dev/null"]
            : ["--server", Unreachable, command, "--max-attempts", "1", option, "/dev/null", events];

        var (exit, _, err) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal($"error: {option} /dev/null: is not a regular file (a device, pipe or socket); give the path of an ordinary file.", err.Trim());
    }

    [Fact]
    public async Task Checkpoint_LeftoverTempIsASymlink_TheLinkIsReplacedNotItsTarget()
    {
        // A leftover cp.json.tmp pointing elsewhere must never have the target truncated or written.
        var victim = Path.Combine(_dir.Path, "victim.txt");
        await File.WriteAllTextAsync(victim, "precious");
        var checkpoint = Path.Combine(_dir.Path, "cp.json");
        File.CreateSymbolicLink(checkpoint + ".tmp", victim);
        var events = Path.Combine(_dir.Path, "events.xml");
        await File.WriteAllTextAsync(events, "");

        // The path check before connecting and the final checkpoint write both create the temp file.
        var (_, _, err) = await RunAsync("--server", Unreachable, "replay", "--max-attempts", "1", "--checkpoint", checkpoint, events);

        Assert.Equal("precious", await File.ReadAllTextAsync(victim));
        Assert.False(File.Exists(checkpoint + ".tmp") && new FileInfo(checkpoint + ".tmp").LinkTarget is not null, err);
    }

    [Theory]
    [InlineData("findings", "xml")]
    [InlineData("watch", "splunk")]
    public async Task Format_NotOffered_ExitsWithUsageError(string command, string format)
    {
        var (exit, output, err) = await RunAsync(command, "--format", format);

        Assert.Equal(1, exit);
        Assert.Contains(format, err);
        // The error, not the whole help text.
        Assert.DoesNotContain("Usage:", output + err);
    }

    [Fact]
    public void Server_Default_IsLoopback50051UnlessEnvironmentSaysOtherwise()
    {
        var parse = CliApp.Build().Parse(["findings"]);
        var server = parse.CommandResult.Command.Parents.OfType<RootCommand>().Single().Options.OfType<Option<string>>().Single(o => o.Name == "--server");

        var expected = Environment.GetEnvironmentVariable(CommonOptions.ServerEnvironmentVariable) is { Length: > 0 } env ? env : "http://127.0.0.1:50051";
        Assert.Equal(expected, parse.GetValue(server));
    }
}
