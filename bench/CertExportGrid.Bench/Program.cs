using System.Globalization;
using CertExportGrid.Bench;
using CertExportGrid.Bench.Hosting;
using CertExportGrid.Bench.Load;
using CertExportGrid.Bench.Scenarios;
using CertExportGrid.Bench.Workloads;

// The whole-path benchmark (docs/benchmarks.md). The last line printed is the RESULT line.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine("""
        Usage: dotnet run -c Release --project bench/CertExportGrid.Bench -- [options]
          --quick                      shorter runs (about 2.5 minutes instead of 4.5); a smoke check,
                                       not steady-state numbers (8 s of warm-up is too short)
          --only a,b                   parse,transport,hot,parsed,distinct,noise,latency,memory
          --hot-events N --hot-keys N --distinct-keys N --events-per-key N --noise-percent N
          --batch N --streams N --window N --rate N --latency-seconds N --grains N
          --warmup-seconds N           warm-up per node before measuring (default 20, quick 8)
          --repeat N                   each full-path scenario N times on fresh nodes (median reported)
          --node-dll PATH              another build of the server, for A/B runs
          --node-setting KEY=VALUE     passed to the child node
        The last line printed is the RESULT line; docs/benchmarks.md explains each measurement.
        """);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException exception)
{
    // A typo in an option is the user's, not a crash: one line, and where the options are described.
    await Console.Error.WriteLineAsync($"bench: {exception.Message}");
    return 2;
}

// Stopped by SIGTERM or Ctrl+C: take the child nodes down too, then exit as the signal asks.
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => NodeProcess.KillAll());
using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, _ => NodeProcess.KillAll());

var report = new Report();
report.Header(options);

var generator = new EventGenerator("hot");
var hotEvents = generator.Generate(options.HotEvents, options.HotKeys, withParsed: options.Runs("parsed"));
var hotShape = new WorkloadShape(options.HotKeys, Parsed: false);

double parseSingle = double.NaN, parseAll = double.NaN;
if (options.Runs("parse"))
{
    (parseSingle, parseAll) = ParseLimit.Measure(hotEvents, options.ParseDuration);
    report.Line("parse limit (1 thread)", parseSingle, "EventXmlParser + classifier + key, in-process");
    report.Line($"parse limit ({Environment.ProcessorCount} threads)", parseAll, "the ceiling used for the ratio");
}

var hotRaw = EventGenerator.ToBatches(hotEvents, options.BatchSize, parsed: false, "hot");
if (options.Runs("transport"))
{
    await using var discard = await DiscardIngestServer.StartAsync();
    using var channel = IngestLoad.OpenChannel(discard.Url);
    await Warmup.RunAsync(channel, hotShape, options);
    var transport = await IngestLoad.RunAsync(channel, hotRaw, options.Streams, options.Window);
    report.Line("transport only (raw XML, discard server)", transport.EventsPerSecond, $"{transport.Events} events acked in {transport.Elapsed.TotalSeconds:F2} s");
}

double fullRaw = double.NaN, fullParsed = double.NaN;
if (options.Runs("hot"))
{
    var result = await Repeated(() => FullPathRun.RunAsync(options, hotShape, hotRaw));
    fullRaw = result.Median.Load.EventsPerSecond;
    report.Full($"full path, raw XML, {options.HotKeys} hot keys", result);
}

if (options.Runs("parsed"))
{
    var hotParsed = EventGenerator.ToBatches(hotEvents, options.BatchSize, parsed: true, "hotp");
    var result = await Repeated(() => FullPathRun.RunAsync(options, hotShape with { Parsed = true }, hotParsed));
    fullParsed = result.Median.Load.EventsPerSecond;
    report.Full($"full path, pre-parsed, {options.HotKeys} hot keys", result);
}

hotRaw = [];
hotEvents.Clear();

if (options.Runs("distinct"))
{
    var distinct = new EventGenerator("cold").Generate(options.DistinctKeys * options.EventsPerDistinctKey, options.DistinctKeys, withParsed: false);
    var coldBatches = EventGenerator.ToBatches(distinct, options.BatchSize, parsed: false, "cold");
    var result = await Repeated(() => FullPathRun.RunAsync(options, new WorkloadShape(options.DistinctKeys, Parsed: false), coldBatches));
    report.Full($"full path, raw XML, {options.DistinctKeys:N0} distinct keys", result);
}

if (options.Runs("noise"))
{
    var noisy = new EventGenerator("noise").Generate(options.HotEvents, options.HotKeys, withParsed: false, options.NoisePercent);
    var noisyBatches = EventGenerator.ToBatches(noisy, options.BatchSize, parsed: false, "noise");
    var result = await Repeated(() => FullPathRun.RunAsync(options, hotShape with { NoisePercent = options.NoisePercent }, noisyBatches));
    report.Full($"full path, raw XML, hot keys, {options.NoisePercent}% out-of-scope noise", result);
}

double p99 = double.NaN;
if (options.Runs("latency"))
{
    await using var node = await NodeProcess.StartAsync(options.NodeDll, options.NodeSettings);

    // The same warm-up as the throughput runs (JIT, connections, storage file), on other keys;
    // the latency keys are still new, so their first contact is inside the measurement.
    using (var warmChannel = IngestLoad.OpenChannel(node.Url))
    {
        await Warmup.RunAsync(warmChannel, hotShape, options);
    }

    var latency = await LatencyRun.RunAsync(node.Url, new EventGenerator("lat"), options.LatencyRate, options.LatencyDuration, options.HotKeys);
    p99 = latency.P99;
    report.Latency(options.LatencyRate, latency);
}

if (options.Runs("memory"))
{
    var memory = await GrainMemory.RunAsync(options.MemoryGrains);
    report.Memory(memory);
}

report.Summary();
var ratio = fullRaw / parseAll;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT full_raw_eps={Round(fullRaw)} full_parsed_eps={Round(fullParsed)} parse_limit_eps={Round(parseAll)} ratio={ratio:F2} p99_ms={Round(p99)}"));
return 0;

// Each run starts a fresh node, so runs are independent; on a shared machine the median of a few
// runs is what a comparison should use (the spread is reported with it).
async Task<RepeatedResult> Repeated(Func<Task<FullPathResult>> run)
{
    var runs = new List<FullPathResult>();
    for (var i = 0; i < options.Repeat; i++)
    {
        runs.Add(await run());
    }

    return new RepeatedResult(runs);
}

static string Round(double value) => double.IsNaN(value) ? "NaN" : Math.Round(value).ToString(CultureInfo.InvariantCulture);
