using System.Diagnostics;
using System.Globalization;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace CertExportGrid.Bench.Hosting;

/// <summary>
/// The real server as a child process (the Release build of src/CertExportGrid.Node), on free
/// loopback ports with a fresh temporary data directory. A separate process keeps its CPU time,
/// GC and thread pool apart from the load generator's, so the numbers read like production.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    /// <summary>Nodes started and not yet disposed, so a bench stopped by a signal can stop them too.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<NodeProcess, byte> Running = new();

    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly Queue<string> _lastLines = new();

    private NodeProcess(Process process, string url, string dataDirectory)
    {
        _process = process;
        Url = url;
        _dataDirectory = dataDirectory;
    }

    public string Url { get; }

    public int ProcessId => _process.Id;

    public static async Task<NodeProcess> StartAsync(string nodeDll, IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!File.Exists(nodeDll))
        {
            throw new FileNotFoundException($"Server binary not found: {nodeDll}. Build it with: dotnet build -c Release src/CertExportGrid.Node", nodeDll);
        }

        var data = Directory.CreateTempSubdirectory("certexportgrid-bench-").FullName;
        var url = $"http://127.0.0.1:{FreePorts.Next()}";
        var metrics = $"http://127.0.0.1:{FreePorts.Next()}/metrics";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(nodeDll);
        foreach (var argument in new[]
        {
            "--urls", url, "--data", data,
            $"--CertExportGrid:Cluster:SiloPort={FreePorts.Next()}",
            $"--CertExportGrid:Cluster:GatewayPort={FreePorts.Next()}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",

            // The node's own Prometheus endpoint (loopback) gives the runtime's allocation and GC
            // pause totals: figures this machine's CPU drift does not move.
            $"--CertExportGrid:Operations:PrometheusEndpoint={metrics}",
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var node = new NodeProcess(process, url, data) { MetricsUrl = metrics };
        Running.TryAdd(node, 0);
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return node;
    }

    private string MetricsUrl { get; init; } = "";

    /// <summary>
    /// The server's runtime totals so far: bytes allocated on the managed heap and time paused for
    /// GC (the System.Runtime meter, scraped from the node's Prometheus endpoint); null if unreadable.
    /// </summary>
    public async Task<RuntimeTotals?> RuntimeTotalsAsync()
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await http.GetStringAsync(MetricsUrl);
            return Total(text, "dotnet_gc_heap_total_allocated_bytes_total") is { } allocated
                && Total(text, "dotnet_gc_pause_time_seconds_total") is { } paused
                ? new RuntimeTotals((long)allocated, TimeSpan.FromSeconds(paused))
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static double? Total(string exposition, string metric)
    {
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            // "name{labels} value" (labels optional); comment lines start with '#'.
            if (line.StartsWith(metric) && line.Length > metric.Length && line[metric.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf(' ') + 1)..];
                return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>User + system CPU time of the server process so far (from /proc).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>
    /// Bytes the server process has caused to be written to the storage layer so far (write_bytes of
    /// /proc/PID/io: what reaches the disk, not socket traffic); null where /proc is not available.
    /// </summary>
    public long? StorageBytesWritten()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/io"))
            {
                if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan("write_bytes:".Length).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Resident set size of the server process, in bytes.</summary>
    public long ResidentBytes()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    /// <summary>
    /// Kills every node still running and deletes its data folder (the bench is being stopped by
    /// SIGTERM or Ctrl+C, and its await-using disposals will not run): no server is left behind
    /// holding CPU and ports, and no temporary data.
    /// </summary>
    public static void KillAll()
    {
        foreach (var node in Running.Keys)
        {
            try
            {
                node._process.Kill(entireProcessTree: true);
                node._process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            node.DeleteDataDirectory();
        }
    }

    private void DeleteDataDirectory()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A temp folder left behind is harmless.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(this, out _);
        if (!_process.HasExited)
        {
            // SIGTERM: the node drains and stops cleanly.
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        DeleteDataDirectory();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private async Task WaitReadyAsync(TimeSpan limit)
    {
        using var channel = GrpcChannel.ForAddress(Url);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                break;
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        string output;
        lock (_lastLines)
        {
            output = string.Join(Environment.NewLine, _lastLines);
        }

        throw new InvalidOperationException($"The server at {Url} did not become ready.{Environment.NewLine}{output}");
    }
}

/// <summary>Free loopback TCP ports (bind to 0, read, release).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Managed bytes allocated and time paused for GC by the server, since it started.</summary>
public sealed record RuntimeTotals(long AllocatedBytes, TimeSpan GcPause)
{
    public static RuntimeTotals? operator -(RuntimeTotals? after, RuntimeTotals? before) =>
        after is null || before is null ? null : new(after.AllocatedBytes - before.AllocatedBytes, after.GcPause - before.GcPause);
}
