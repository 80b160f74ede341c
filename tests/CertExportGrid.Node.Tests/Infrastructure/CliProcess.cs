namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Runs the CLI binary as a user would, capturing its output and exit code.</summary>
public static class CliProcess
{
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string workingDirectory, params string[] args)
    {
        using var process = NodeProcess.StartDotnet("certexportgrid.dll", args, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
