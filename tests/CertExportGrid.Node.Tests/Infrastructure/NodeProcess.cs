using System.Diagnostics;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>
/// The real server binary as a separate process on loopback (for tests about crashes and
/// restarts). Its output is captured for failure messages.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the node; <paramref name="extraArgs"/> go after the defaults.</summary>
    public static NodeProcess Start(string dataDirectory, int httpPort, int siloPort, int gatewayPort, params string[] extraArgs)
    {
        var url = $"http://127.0.0.1:{httpPort}";
        var args = new List<string>
        {
            "--urls", url,
            "--data", dataDirectory,
            $"--CertExportGrid:Cluster:SiloPort={siloPort}",
            $"--CertExportGrid:Cluster:GatewayPort={gatewayPort}",
        };
        args.AddRange(extraArgs);
        var node = new NodeProcess(StartDotnet("CertExportGrid.Node.dll", args, Path.GetTempPath()), url);
        node.Capture();
        return node;
    }

    /// <summary>Runs a built binary of the solution (copied beside the tests) under `dotnet`.</summary>
    public static Process StartDotnet(string assembly, IEnumerable<string> args, string workingDirectory)
    {
        Directory.CreateDirectory(workingDirectory);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>Waits until the gRPC health service answers SERVING.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Url);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The node exited with code {_process.ExitCode} before serving:\n{Output}");
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }

                last = reply.Status.ToString();
            }
            catch (Grpc.Core.RpcException exception) when (DateTime.UtcNow < deadline)
            {
                last = exception.Status.ToString();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The node did not serve within {timeout} (last: {last}):\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what survives is what was on disk.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the orderly stop an operator or an orchestrator asks for.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Capture()
    {
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
