using System.CommandLine;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>tail FILE... --checkpoint FILE [--poll 500ms]</c>: follows growing event files like <c>tail -F</c> and
/// sends complete lines as they appear, until Ctrl+C or SIGTERM. Then it sends nothing new, waits up to
/// <see cref="DrainTimeout"/> for the acks of what was sent, writes the checkpoint and exits 0.
/// </summary>
internal static class TailCommand
{
    /// <summary>How long a stopping tail waits for outstanding acks before it writes the checkpoint and leaves.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(Option<string> server)
    {
        var collector = new CollectorOptions(checkpointRequired: true);
        var poll = CommonOptions.Duration("--poll", "How often the files are checked for new lines, truncation and rotation.", new ReplayOptions().PollInterval, minimum: TimeSpan.FromMilliseconds(10));
        var command = new Command("tail", "Follow growing event files (like tail -F) and send new lines as they appear, until Ctrl+C.");
        collector.AddTo(command);
        command.Options.Add(poll);
        command.SetAction((parse, ct) =>
        {
            var options = collector.ToReplayOptions(parse) with { PollInterval = poll.ValueIn(parse) };
            return RunAsync(parse, parse.GetValue(server)!, parse.GetValue(collector.Files) ?? [], options, ct);
        });
        return command;
    }

    /// <param name="stop">Ctrl+C / SIGTERM: the normal end.</param>
    internal static async Task<int> RunAsync(ParseResult parse, string server, string[] files, ReplayOptions options, CancellationToken stop)
    {
        var output = TextWriter.Synchronized(parse.InvocationConfiguration.Output);
        var error = parse.InvocationConfiguration.Error;
        if (!CommonOptions.UsableStateFile(options.CheckpointPath!, "--checkpoint", error))
            return ExitCodes.Usage;
        if (!await ReplayCommand.FilesExistAsync(files, error, missingIsError: false)) // a missing file is waited for
            return ExitCodes.Usage;
        using var channels = CommonOptions.OpenChannels(server, error);
        if (channels is null)
            return ExitCodes.Usage;

        using var abort = new CancellationTokenSource();
        using var drain = stop.Register(() => abort.CancelAfter(DrainTimeout));
        var client = new ReplayClient(channels.Ingest())
        {
            Notices = error,
            Rejections = r => output.WriteLine(ReplayCommand.FormatRejection(r)),
        };
        ReplaySummary summary;
        try
        {
            summary = await client.TailAsync(files, options, progress: null, stop, abort.Token);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await error.WriteLineAsync($"warning: tail: stopped before every ack arrived (waited {DrainTimeout.TotalSeconds:0} s); the checkpoint keeps what was confirmed, the rest is sent again next time.");
            return ExitCodes.Ok;
        }
        catch (ReplayFailedException ex)
        {
            await error.WriteLineAsync(CommonOptions.DescribeFailure("tail", ex.Endpoint ?? server, ex.Status, ex.Attempts));
            await ReplayCommand.WriteSummaryAsync(output, ex.Partial, partial: true, rejections: false);
            return ExitCodes.ServerFailure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CheckpointFormatException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }

        await ReplayCommand.WriteSummaryAsync(output, summary, partial: false, rejections: false);
        return ExitCodes.Ok;
    }
}
