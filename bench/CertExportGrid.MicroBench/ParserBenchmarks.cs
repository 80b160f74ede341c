using BenchmarkDotNet.Attributes;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;

namespace CertExportGrid.MicroBench;

/// <summary>The gateway's per-event work before any grain: parse (UTF-8 bytes or text) and classify.</summary>
public class ParserBenchmarks
{
    private readonly EventXmlParser _parser = new();
    private WinEvent _parsed = null!;

    [GlobalSetup]
    public void Setup() => _parser.TryParse(SampleEvents.Export, out _parsed!, out _);

    [Benchmark(Baseline = true, Description = "TryParse(UTF-8 bytes)")]
    public WinEvent? ParseUtf8()
    {
        _parser.TryParse(SampleEvents.ExportUtf8, out var winEvent, out _);
        return winEvent;
    }

    [Benchmark(Description = "TryParse(string)")]
    public WinEvent? ParseText()
    {
        _parser.TryParse(SampleEvents.Export, out var winEvent, out _);
        return winEvent;
    }

    [Benchmark(Description = "TryParse(string), out-of-scope 1006")]
    public WinEvent? ParseNoise()
    {
        _parser.TryParse(SampleEvents.Noise, out var winEvent, out _);
        return winEvent;
    }

    [Benchmark(Description = "Classify (parsed event)")]
    public Classification Classify() => ExportEventClassifier.Classify(_parsed);
}
