using BenchmarkDotNet.Attributes;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains.Findings;

namespace CertExportGrid.MicroBench;

/// <summary>Grain key encoding per accepted event, decoding per activation, index shard per new key.</summary>
public class FindingKeyBenchmarks
{
    private readonly FindingKey _key = new("SRV-WEB01.corp.example.test", "CN=portal.corp.example.test, O=Example Test Corp, C=US");
    private string _encoded = "";

    [GlobalSetup]
    public void Setup() => _encoded = _key.Encode();

    [Benchmark(Baseline = true)]
    public string Encode() => _key.Encode();

    [Benchmark]
    public bool TryDecode() => FindingKey.TryDecode(_encoded, out _);

    [Benchmark]
    public long IndexShard() => FindingIndexShard.Of(_encoded);
}
