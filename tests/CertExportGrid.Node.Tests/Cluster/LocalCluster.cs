using System.Diagnostics;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace CertExportGrid.Node.Tests.Cluster;

/// <summary>
/// A real cluster from deploy/local-cluster.sh (redis-server, silo and gateway processes on
/// loopback), exactly as an operator starts it, using the binaries these tests were built with.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly TempDirectory _state = new();

    private LocalCluster(IReadOnlyList<string> gateways) => Gateways = gateways;

    public IReadOnlyList<string> Gateways { get; private set; }

    public string RedisAddress => File.ReadAllText(Path.Combine(_state.Path, "redis.address")).Trim();

    public static async Task<LocalCluster> UpAsync(int silos, int gateways)
    {
        var cluster = new LocalCluster([]);
        var (exit, output) = await cluster.RunScriptAsync("up", silos.ToString(System.Globalization.CultureInfo.InvariantCulture), gateways.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (exit != 0)
        {
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"local-cluster.sh up failed ({exit}):\n{output}");
        }

        cluster.Gateways = [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => line.StartsWith("http://", StringComparison.Ordinal))];
        return cluster;
    }

    /// <summary>SIGKILL one process of the cluster ("silo2", "gateway1").</summary>
    public void Kill(string name)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(_state.Path, $"{name}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>An Orleans client of the cluster, to ask the management grain where grains live.</summary>
    public async Task<IHost> ConnectClientAsync()
    {
        var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(client => client
                .UseRedisClustering(options => options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(RedisAddress))
                .Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = ("certexportgrid", "certexportgrid")))
            .Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync("down");
        _state.Dispose();
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot, "deploy", "local-cluster.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CERTEXPORTGRID_CLUSTER_DIR"] = _state.Path;
        info.Environment["CERTEXPORTGRID_CLUSTER_CONFIGURATION"] = BuildConfiguration;
        info.Environment["CERTEXPORTGRID_CLUSTER_NO_BUILD"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The folder holding CertExportGrid.sln above the test binaries.</summary>
    private static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "CertExportGrid.sln")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException("CertExportGrid.sln not found above the test binaries");
        }
    }

    /// <summary>Debug or Release, as these tests were built (bin/CONFIG/net10.0).</summary>
    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
}
