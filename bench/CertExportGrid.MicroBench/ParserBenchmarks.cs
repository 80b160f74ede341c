using System.Xml;
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

    // What XmlReader alone costs per event with the parser's settings (cached, name table reused):
    // create a reader over the text and read every node, extracting nothing. The parser cannot go
    // below this while it uses one XmlReader per event (a reader cannot be reset to new input).
    private static readonly XmlReaderSettings s_floorSettings = new()
    {
        NameTable = new NameTable(),
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        CheckCharacters = false,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    [Benchmark(Description = "XmlReader floor: create + read all nodes")]
    public int XmlReaderFloor()
    {
        using var reader = XmlReader.Create(new StringReader(SampleEvents.Export), s_floorSettings);
        var nodes = 0;
        while (reader.Read())
        {
            nodes++;
        }

        return nodes;
    }

    [Benchmark(Description = "Classify (parsed event)")]
    public Classification Classify() => ExportEventClassifier.Classify(_parsed);
}
