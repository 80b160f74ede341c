using CertExportGrid.Node.Tests.Conformance;
using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>
/// Real processes: the server is killed with SIGKILL after `replay` returned and started again on
/// the same data folder; `findings` must print exactly the same thing.
/// </summary>
public sealed class RestartTests
{
    [Fact]
    public async Task KillAfterReplay_RestartOnSameData_FindingsOutputIdentical()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var inputs = ConformanceCase.Names()
            .Select(name => Path.Combine(ConformanceCase.Root, name, "input.xml"))
            .ToArray();
        var (httpPort, siloPort, gatewayPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());

        string before;
        await using (var node = NodeProcess.Start(data, httpPort, siloPort, gatewayPort))
        {
            await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
            var replay = await CliProcess.RunAsync(temp.Path, ["replay", "--server", node.Url, "--quiet", .. inputs]);
            // Cases 16 and 18 hold deliberately bad lines: the CLI reports them and exits 2.
            Assert.True(replay.ExitCode == 2, $"replay exit {replay.ExitCode}\n{replay.StdOut}\n{replay.StdErr}");

            var findings = await CliProcess.RunAsync(temp.Path, "findings", "--server", node.Url, "--format", "json");
            Assert.True(findings.ExitCode == 0, findings.StdErr);
            before = findings.StdOut;
            await node.KillAsync();
        }

        var expectedCount = ConformanceCase.Names().Sum(name => ConformanceCase.Load(name).Findings.Count);
        Assert.Equal(expectedCount, before.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        await using (var restarted = NodeProcess.Start(data, httpPort, siloPort, gatewayPort))
        {
            await restarted.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
            var after = await CliProcess.RunAsync(temp.Path, "findings", "--server", restarted.Url, "--format", "json");
            Assert.True(after.ExitCode == 0, after.StdErr);
            Assert.Equal(before, after.StdOut);
        }
    }
}
