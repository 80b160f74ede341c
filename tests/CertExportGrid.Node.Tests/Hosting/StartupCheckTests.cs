using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Hosting;

/// <summary>Mistakes in the environment stop the real server at boot with one clear line (exit 2).</summary>
public sealed class StartupCheckTests
{
    [Fact]
    public async Task DataFolderUnderARegularFile_RefusesToStartNamingThePath()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("not-a-folder");
        await File.WriteAllTextAsync(file, "x");

        await using var node = NodeProcess.Start(Path.Combine(file, "data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"The data folder '{Path.Combine(file, "data")}'", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondNodeOnTheSameOrleansPorts_RefusesToStart()
    {
        using var temp = new TempDirectory();
        var (silo, gateway) = (FreePorts.Next(), FreePorts.Next());
        await using var first = NodeProcess.Start(temp.Combine("a"), FreePorts.Next(), silo, gateway);
        await first.WaitUntilServingAsync(TimeSpan.FromSeconds(60));

        await using var second = NodeProcess.Start(temp.Combine("b"), FreePorts.Next(), silo, gateway);

        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Port {silo} (Orleans silo)", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task GrpcPortAlreadyListenedOn_RefusesToStartWithOneLine_NoStackTrace()
    {
        using var temp = new TempDirectory();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        await using var node = NodeProcess.Start(temp.Combine("data"), port, FreePorts.Next(), FreePorts.Next());

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"certexportgrid-node: Port {port} (gRPC endpoint http://127.0.0.1:{port}) on 127.0.0.1 is already in use", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingRuleFile_RefusesToStartNamingTheSetting()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("no-such-rule.yml");
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), $"--CertExportGrid:RuleFile={missing}");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("certexportgrid-node: The detection rule file (CertExportGrid:RuleFile) cannot be read:", node.Output, StringComparison.Ordinal);
        Assert.Contains(missing, node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondNodeOnTheSameDataFolder_RefusesToStart_AndAKilledNodeLeavesNoStaleLock()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        await using (var first = NodeProcess.Start(data, FreePorts.Next(), FreePorts.Next(), FreePorts.Next()))
        {
            await first.WaitUntilServingAsync(TimeSpan.FromSeconds(60));

            await using var second = NodeProcess.Start(data, FreePorts.Next(), FreePorts.Next(), FreePorts.Next());

            Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"certexportgrid-node: The data folder '{data}' (CertExportGrid:DataDirectory / --data) is in use by another CertExportGrid node.", second.Output, StringComparison.Ordinal);
            Assert.False(first.HasExited);
            await first.KillAsync(); // SIGKILL: no clean-up runs
        }

        await using var next = NodeProcess.Start(data, FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        await next.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task OutOfRangeClusterPort_RefusesToStartWithTheSection()
    {
        using var temp = new TempDirectory();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), 70000, FreePorts.Next());

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Invalid configuration in CertExportGrid:Cluster", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutOfRangeSetting_RefusesToStartNamingTheConfigurationKey()
    {
        using var temp = new TempDirectory();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), "--CertExportGrid:Ingest:MaxEventsPerGrainCall=0");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("certexportgrid-node: CertExportGrid:Ingest:MaxEventsPerGrainCall: The field MaxEventsPerGrainCall must be between 1 and 1000000.", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("IngestOptions", node.Output, StringComparison.Ordinal);
    }
}
