using System.Globalization;

namespace CertExportGrid.Bench;

/// <summary>Command-line options; every count has a full and a --quick default.</summary>
public sealed class BenchOptions
{
    public bool Quick { get; private set; }

    /// <summary>Events per hot-keys run (raw and parsed).</summary>
    public int HotEvents { get; private set; }

    /// <summary>Distinct keys of the cold workload; each gets <see cref="EventsPerDistinctKey"/> events.</summary>
    public int DistinctKeys { get; private set; }

    public int EventsPerDistinctKey { get; private set; } = 2;

    public int HotKeys { get; private set; } = 100;

    public int NoisePercent { get; private set; } = 90;

    public int BatchSize { get; private set; } = 1_000;

    /// <summary>Runs of each full-path scenario (--repeat N); the median run is reported, with the spread.</summary>
    public int Repeat { get; private set; } = 1;

    public int Streams { get; private set; } = 4;

    public int Window { get; private set; } = 4;

    public int LatencyRate { get; private set; } = 5_000;

    public TimeSpan LatencyDuration { get; private set; }

    public TimeSpan ParseDuration { get; private set; }

    /// <summary>How long each node is warmed up before a measurement (see <see cref="Load.Warmup"/>).</summary>
    public TimeSpan WarmupDuration { get; private set; }

    /// <summary>Keys activated for the memory-per-grain measurement.</summary>
    public int MemoryGrains { get; private set; }

    public string NodeDll { get; private set; } = "";

    /// <summary>Extra configuration for the child node (--node-setting KEY=VALUE), for experiments.</summary>
    public Dictionary<string, string> NodeSettings { get; } = new(StringComparer.Ordinal);

    /// <summary>Scenarios to run (all when empty): parse, transport, hot, parsed, distinct, noise, latency, memory.</summary>
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    /// <summary>The scenario names --only accepts.</summary>
    public static readonly string[] Scenarios = ["parse", "transport", "hot", "parsed", "distinct", "noise", "latency", "memory"];

    /// <summary>Scenarios that run without the child node (<see cref="NodeDll"/>).</summary>
    private static readonly string[] InProcessScenarios = ["parse", "transport", "memory"];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions { Quick = args.Contains("--quick") };
        options.HotEvents = options.Quick ? 100_000 : 400_000;
        options.DistinctKeys = options.Quick ? 100_000 : 100_000;
        options.EventsPerDistinctKey = options.Quick ? 1 : 2;
        options.LatencyDuration = TimeSpan.FromSeconds(options.Quick ? 4 : 15);
        options.ParseDuration = TimeSpan.FromSeconds(options.Quick ? 1.5 : 4);
        options.WarmupDuration = TimeSpan.FromSeconds(options.Quick ? 8 : 20);
        options.MemoryGrains = options.Quick ? 20_000 : 100_000;
        options.NodeDll = Path.Combine(RepoRoot(), "src", "CertExportGrid.Node", "bin", "Release", "net10.0", "CertExportGrid.Node.dll");

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int(int min = 1, int max = int.MaxValue)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                    ? value
                    : throw new ArgumentException($"{name} must be a whole number from {min} to {max}; got '{text}'.");
            }

            switch (args[i])
            {
                case "--quick": break;
                case "--hot-events": options.HotEvents = Int(); break;
                case "--distinct-keys": options.DistinctKeys = Int(); break;
                case "--events-per-key": options.EventsPerDistinctKey = Int(); break;
                case "--hot-keys": options.HotKeys = Int(); break;
                case "--noise-percent": options.NoisePercent = Int(0, 99); break;
                case "--batch": options.BatchSize = Int(); break;
                case "--repeat": options.Repeat = Int(); break;
                case "--streams": options.Streams = Int(); break;
                case "--window": options.Window = Int(); break;
                case "--rate": options.LatencyRate = Int(); break;
                case "--latency-seconds": options.LatencyDuration = TimeSpan.FromSeconds(Int()); break;
                case "--grains": options.MemoryGrains = Int(); break;
                case "--warmup-seconds": options.WarmupDuration = TimeSpan.FromSeconds(Int(0)); break;
                case "--node-dll": options.NodeDll = Path.GetFullPath(Value()); break;
                case "--node-setting":
                    var pair = Value().Split('=', 2);
                    options.NodeSettings[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException("--node-setting needs KEY=VALUE.");
                    break;
                case "--only":
                    var names = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (names.Length == 0)
                    {
                        // An empty list would otherwise mean "no filter", and run everything.
                        throw new ArgumentException($"--only needs at least one scenario: {string.Join(", ", Scenarios)}.");
                    }

                    foreach (var name in names)
                    {
                        options.Only.Add(Scenarios.Contains(name)
                            ? name
                            : throw new ArgumentException($"--only: unknown scenario '{name}'; the scenarios are {string.Join(", ", Scenarios)}."));
                    }

                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}; --help lists the options.");
            }
        }

        // Checked now, not after minutes of generating events for the first full-path run.
        var needsNode = options.Only.Count == 0 || options.Only.Except(InProcessScenarios).Any();
        if (needsNode && !File.Exists(options.NodeDll))
        {
            throw new ArgumentException($"Server binary not found: {options.NodeDll}. Build it with: dotnet build -c Release src/CertExportGrid.Node (or give --node-dll).");
        }

        return options;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CertExportGrid.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
