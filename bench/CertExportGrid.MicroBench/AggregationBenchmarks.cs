using BenchmarkDotNet.Attributes;
using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;

namespace CertExportGrid.MicroBench;

/// <summary>
/// The grain's step per call: de-duplicate and fold a key's share of a batch (10 events, as 1,000-event
/// batches over 100 hot keys give) into its state, then serialize nothing (storage is measured by the
/// whole-path bench). The state is warm: one row, a full dedup window.
/// </summary>
public class AggregationBenchmarks
{
    private const int EventsPerCall = 10;
    private readonly ExportObservation[] _observations = new ExportObservation[EventsPerCall];
    private FindingState _state = null!;
    private DedupWindow _dedup = null!;
    private long _nextRecord;

    [GlobalSetup]
    public void Setup()
    {
        _state = new FindingState { Dest = "SRV-WEB01.corp.example.test", Subject = "CN=portal" };
        _dedup = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, 4_096);
        for (var i = 0; i < 4_096; i++)
        {
            _ = Apply(Observation(i));
        }

        _nextRecord = 4_096;
    }

    [Benchmark(OperationsPerInvoke = EventsPerCall)]
    public long ApplyBatch()
    {
        for (var i = 0; i < EventsPerCall; i++)
        {
            _observations[i] = Observation(_nextRecord++);
        }

        ExportObservation? latest = null;
        foreach (var observation in _observations)
        {
            if (Apply(observation))
            {
                latest = FindingAggregator.Later(latest, observation);
            }
        }

        if (latest is not null)
        {
            FindingAggregator.RecordLastExport(_state, latest);
        }

        return _state.Count;
    }

    private bool Apply(ExportObservation observation)
    {
        if (!_dedup.TryAdd(FindingAggregator.IdentityOf(observation)))
        {
            return false;
        }

        FindingAggregator.Add(_state, observation);
        return true;
    }

    private static readonly string[] s_names = ["portal.corp.example.test", "www.portal.corp.example.test", "CN=portal"];

    private static ExportObservation Observation(long record) => new()
    {
        UserDataXml = "<CertNotificationData ProcessName='certutil.exe' AccountName='CORP\\adm.jkowalski' Context='Machine'><CertificateDetails Thumbprint='8048ea9c3655273257456796681bfed3b10914cc'/></CertNotificationData>",
        TimeTicks = 638_770_000_000_000_000 + record * 10_000_000,
        ChannelCode = 1,
        Channel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        RecordId = record,
        SubjectNames = s_names,
        ProcessName = "certutil.exe",
        AccountName = "CORP\\adm.jkowalski",
        Context = "Machine",
        Thumbprint = "8048ea9c3655273257456796681bfed3b10914cc",
        UserSid = "S-1-5-21-3623811015-3361044348-30300820-5102",
    };
}
