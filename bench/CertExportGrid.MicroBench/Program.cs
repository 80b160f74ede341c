using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks (docs/benchmarks.md). In-process toolchain: no generated project to build, so
// the repository's central package management and warnings-as-errors never get in the way.
// --quick runs BenchmarkDotNet's short job; every other argument goes to BenchmarkSwitcher
// (e.g. --filter *Parser*).
var quick = args.Contains("--quick");
var job = (quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default);
var rest = args.Where(arg => arg != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
