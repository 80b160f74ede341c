using System.Diagnostics;
using System.Text;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>
/// The CLI binary running in the background (a collector the test can watch and SIGKILL), unlike
/// <see cref="CliProcess"/>, which waits for it to finish. Output is captured as it comes.
/// </summary>
public sealed class CliBackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliBackgroundProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(_stdout, line.Data, _stdoutClosed);
        _process.ErrorDataReceived += (_, line) => Append(_stderr, line.Data, _stderrClosed);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static CliBackgroundProcess Start(string workingDirectory, params string[] args) =>
        new(NodeProcess.StartDotnet("certexportgrid.dll", args, workingDirectory));

    public string StdOut => Read(_stdout);

    public string StdErr => Read(_stderr);

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: the collector gets no chance to write its checkpoint or say goodbye.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the exit and for the output to be read to its end; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The CLI did not exit within {timeout}.\nstdout:\n{StdOut}\nstderr:\n{StdErr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until stderr satisfies <paramref name="condition"/> (e.g. a reconnect notice).</summary>
    public Task WaitForStdErrAsync(Func<string, bool> condition, TimeSpan timeout, string what) =>
        Eventually.TrueAsync(() => Task.FromResult(condition(StdErr)), timeout, () => $"{what}; CLI exited: {HasExited}\nstderr:\n{StdErr}");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder into, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (into)
        {
            into.Append(line).Append('\n');
        }
    }

    private static string Read(StringBuilder from)
    {
        lock (from)
        {
            return from.ToString();
        }
    }
}
