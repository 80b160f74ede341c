using System.CommandLine;
using System.Globalization;
using CertExportGrid.Cli.Replay;
using Spectre.Console;

namespace CertExportGrid.Cli.Commands;

/// <summary><c>replay --server URL FILE...</c>: sends event files and reports what the server made of them.</summary>
internal static class ReplayCommand
{
    public static Command Create(Option<string> server)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "XmlWinEventLog files, one event per line (UTF-8 with or without BOM, UTF-16 with BOM).",
            Arity = ArgumentArity.OneOrMore,
        };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Events per batch.",
            DefaultValueFactory = _ => 500,
        };
        var inFlight = new Option<int>("--max-in-flight")
        {
            Description = "Batches sent but not yet acknowledged, at most.",
            DefaultValueFactory = _ => 8,
        };
        var retries = new Option<int>("--retries")
        {
            Description = "Retry rounds for events the server could not apply right now (UNAVAILABLE).",
            DefaultValueFactory = _ => 3,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar." };
        batchSize.Validators.Add(r => RequireRange(r, batchSize, 1, 100_000));
        inFlight.Validators.Add(r => RequireRange(r, inFlight, 1, 1_000));
        retries.Validators.Add(r => RequireRange(r, retries, 0, 100));

        var command = new Command("replay", "Send event files to the server and report accepted, ignored and rejected events.")
        {
            files, batchSize, inFlight, retries, quiet,
        };
        command.SetAction((parse, ct) =>
        {
            var options = new ReplayOptions
            {
                BatchSize = parse.GetValue(batchSize),
                MaxInFlight = parse.GetValue(inFlight),
                MaxRetries = parse.GetValue(retries),
            };
            return RunAsync(parse, parse.GetValue(server)!, parse.GetValue(files) ?? [], options, parse.GetValue(quiet), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, string server, string[] files, ReplayOptions options, bool quiet, CancellationToken ct)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                await error.WriteLineAsync($"error: no such file: {file}");
                return ExitCodes.Usage;
            }
        }

        using var channel = CommonOptions.OpenChannel(server, error);
        if (channel is null)
            return ExitCodes.Usage;

        var client = new ReplayClient(channel);
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
            await error.WriteLineAsync(CommonOptions.DescribeFailure("replay", server, ex.Status));
            var partial = ex.Partial;
            if (partial.Accepted + partial.Ignored + partial.Rejected.Count > 0)
                await WriteSummaryAsync(output, partial, partial: true);
            return ExitCodes.ServerFailure;
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (UnauthorizedAccessException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }

        await WriteSummaryAsync(output, summary, partial: false);
        return summary.AnyRejected ? ExitCodes.Rejected : ExitCodes.Ok;
    }

    internal static async Task WriteSummaryAsync(TextWriter output, ReplaySummary s, bool partial)
    {
        var resent = s.Resent > 0 ? $", {s.Resent} resent" : "";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(partial ? "partial: " : "")}files {s.Files}, events {s.Events}, sent {s.Sent}{resent}, accepted {s.Accepted} (duplicates {s.Duplicates}), ignored {s.Ignored}, rejected {s.Rejected.Count}"));
        foreach (var r in s.Rejected)
        {
            var retry = r.Retryable ? " (retries exhausted)" : "";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{r.File}:{r.Line} {RejectReasonNames.Of(r.Reason)} {r.Message}{retry}"));
        }
    }

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

    private static void RequireRange(System.CommandLine.Parsing.OptionResult result, Option<int> option, int min, int max)
    {
        // Read the token, not the converted value: a non-number already has its own parse error, and
        // asking for the value then would throw instead of reporting it.
        if (result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && (value < min || value > max))
        {
            result.AddError($"{option.Name} must be between {min} and {max}, got {value}.");
        }
    }

    private sealed class CallbackProgress(Action<ReplayProgress> onReport) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => onReport(value);
    }
}
