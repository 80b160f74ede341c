using System.CommandLine;
using System.Globalization;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Output;
using CertExportGrid.Cli.Replay;
using Spectre.Console;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>replay --server URL FILE... [--checkpoint FILE]</c>: sends event files and reports what the server made of
/// them, reconnecting and re-sending what was unacknowledged when the server goes away.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(Option<string> server)
    {
        var collector = new CollectorOptions(checkpointRequired: false);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar." };
        var command = new Command("replay", "Send event files to the server and report accepted, ignored and rejected events; survives server restarts.");
        collector.AddTo(command);
        command.Options.Add(quiet);
        command.SetAction((parse, ct) =>
            RunAsync(parse, parse.GetValue(server)!, parse.GetValue(collector.Files) ?? [], collector.ToReplayOptions(parse), parse.GetValue(quiet), ct));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, string server, string[] files, ReplayOptions options, bool quiet, CancellationToken ct)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        if (!await FilesExistAsync(files, error))
            return ExitCodes.Usage;

        if (options.CheckpointPath is { } checkpoint && !CommonOptions.UsableStateFile(checkpoint, "--checkpoint", error))
            return ExitCodes.Usage;
        using var channels = CommonOptions.OpenChannels(server, error);
        if (channels is null)
            return ExitCodes.Usage;

        var client = new ReplayClient(channels.Ingest()) { Notices = error };
        ReplaySummary summary;
        try
        {
            var showProgress = !quiet && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            summary = showProgress
                ? await WithProgressBarAsync(p => client.ReplayAsync(files, options, p, ct))
                : await client.ReplayAsync(files, options, null, ct);
        }
        catch (ReplayFailedException ex)
        {
            await error.WriteLineAsync(CommonOptions.DescribeFailure("replay", ex.Endpoint ?? server, ex.Status, ex.Attempts));
            var partial = ex.Partial;
            if (partial.Accepted + partial.Ignored + partial.Rejected.Count > 0)
                await WriteSummaryAsync(output, partial, partial: true);
            return ExitCodes.ServerFailure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CheckpointFormatException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }

        await WriteSummaryAsync(output, summary, partial: false);
        return summary.AnyRejected ? ExitCodes.Rejected : ExitCodes.Ok;
    }

    /// <summary>Every input must be a file: a directory or a missing path is a usage error (nothing is sent).</summary>
    internal static async Task<bool> FilesExistAsync(IEnumerable<string> files, TextWriter error, bool missingIsError = true)
    {
        foreach (var file in files)
        {
            if (Directory.Exists(file))
            {
                var folder = file.TrimEnd('/', Path.DirectorySeparatorChar);
                await error.WriteLineAsync($"error: {file} is a directory (give the event files, e.g. {folder}/*.xml)");
                return false;
            }

            if (file.StartsWith('-'))
            {
                // The parser hands unknown options to the FILE argument; say what it really is,
                // even when a file of that name exists (a mistyped option must not send a file).
                await error.WriteLineAsync($"error: unknown option {file} (--help lists the options; a file whose name starts with '-' can be given as ./{file})");
                return false;
            }

            if (missingIsError && !File.Exists(file))
            {
                await error.WriteLineAsync($"error: no such file: {file}");
                return false;
            }
        }

        return true;
    }

    internal static async Task WriteSummaryAsync(TextWriter output, ReplaySummary s, bool partial, bool rejections = true)
    {
        var resent = s.Resent > 0 ? $", {s.Resent} resent" : "";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(partial ? "partial: " : "")}files {s.Files}, events {s.Events}, sent {s.Sent}{resent}, accepted {s.Accepted} (duplicates {s.Duplicates}), ignored {s.Ignored}, rejected {s.Rejected.Count}"));
        if (!rejections)
            return;
        foreach (var r in s.Rejected)
            await output.WriteLineAsync(FormatRejection(r));
    }

    /// <summary>
    /// <c>FILE:LINE REASON message</c>, the line scripts grep for. The message (which can quote the event) is
    /// escaped for the terminal (<see cref="TerminalText"/>); FILE only has its control characters escaped.
    /// </summary>
    internal static string FormatRejection(ReplayRejection r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{TerminalText.Escape(r.File, escapeBackslash: false)}:{r.Line} {RejectReasonNames.Of(r.Reason)} {TerminalText.Escape(r.Message)}{(r.Retryable ? " (retries exhausted)" : "")}");

    private static async Task<ReplaySummary> WithProgressBarAsync(Func<IProgress<ReplayProgress>, Task<ReplaySummary>> replay)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress().AutoClear(true).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("replay", autoStart: true, maxValue: 1);
            return await replay(new CallbackProgress(p =>
            {
                task.MaxValue = Math.Max(1, p.BytesTotal);
                task.Value = p.BytesAcknowledged;
                task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.EventsAcknowledged}/{p.EventsRead} events acknowledged");
            }));
        });
    }

    private sealed class CallbackProgress(Action<ReplayProgress> onReport) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => onReport(value);
    }
}
