using System.CommandLine;
using CertExportGrid.Cli.Replay;

namespace CertExportGrid.Cli.Commands;

/// <summary>The options replay and tail share: batching, retries, reconnecting, the checkpoint.</summary>
internal sealed class CollectorOptions
{
    public Argument<string[]> Files { get; } = new("FILE")
    {
        Description = "XmlWinEventLog files, one event per line (UTF-8 with or without BOM, UTF-16 with BOM).",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<int> BatchSize { get; } = new("--batch-size")
    {
        Description = "Events per batch (halved for the rest of the run if the server says a batch has too many).",
        DefaultValueFactory = _ => 500,
    };

    public Option<long> MaxBatchBytes { get; } = CommonOptions.ByteSize(
        "--max-batch-bytes",
        "Bytes of events per batch, at most (one larger event is sent alone; if the server refuses it as too large it is reported TOO_LARGE and skipped).",
        ReplayOptions.DefaultMaxBatchBytes,
        min: 1024,
        max: 1024L * 1024 * 1024);

    public Option<int> MaxInFlight { get; } = new("--max-in-flight")
    {
        Description = "Batches sent but not yet acknowledged, at most.",
        DefaultValueFactory = _ => 8,
    };

    public Option<int> Retries { get; } = new("--retries")
    {
        Description = "How often an event the server could not apply right now (retryable rejection) is sent again. The default (10, backing off to 10 s) outlasts a silo failover in a cluster.",
        DefaultValueFactory = _ => 10,
    };

    public Option<int> MaxAttempts { get; } = CommonOptions.MaxAttempts();

    public DurationOption MaxBackoff { get; } = CommonOptions.MaxBackoff();

    public Option<string?> Checkpoint { get; }

    public CollectorOptions(bool checkpointRequired)
    {
        Checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "JSON file remembering, per input file, how far every event was answered: read at start to skip what was done, rewritten atomically as acks arrive.",
            HelpName = "FILE",
            Required = checkpointRequired,
        };
        BatchSize.Validators.Add(r => CommonOptions.RequireRange(r, BatchSize, 1, 100_000));
        MaxInFlight.Validators.Add(r => CommonOptions.RequireRange(r, MaxInFlight, 1, 1_000));
        Retries.Validators.Add(r => CommonOptions.RequireRange(r, Retries, 0, 100));
    }

    public void AddTo(Command command)
    {
        command.Arguments.Add(Files);
        foreach (var option in new Option[] { BatchSize, MaxBatchBytes, MaxInFlight, Retries, MaxAttempts, MaxBackoff, Checkpoint })
            command.Options.Add(option);
    }

    public ReplayOptions ToReplayOptions(ParseResult parse) => new()
    {
        BatchSize = parse.GetValue(BatchSize),
        MaxBatchBytes = parse.GetValue(MaxBatchBytes),
        MaxInFlight = parse.GetValue(MaxInFlight),
        MaxRetries = parse.GetValue(Retries),
        Reconnect = CommonOptions.Reconnect(parse, MaxAttempts, MaxBackoff),
        CheckpointPath = parse.GetValue(Checkpoint),
    };
}
