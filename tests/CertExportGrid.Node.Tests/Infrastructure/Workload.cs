namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Generated export events over a fixed number of (dest, subject) keys, deterministic per seed.</summary>
public static class Workload
{
    public static readonly DateTime Start = new(2024, 7, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Event i happens at Start + i * TickStep.</summary>
    public const long TickStep = 10_000_019L;

    public static IEnumerable<string> Events(int count, int keys, int firstRecordId = 1)
    {
        var start = Start;
        for (var i = 0; i < count; i++)
        {
            var key = i % keys;
            yield return new EventXml
            {
                Computer = $"WKS-{key / 10:D4}.corp.example.test",
                SubjectNames = [$"CN=cert-{key % 10}, O=Example Test Corp", $"svc{key % 10}.corp.example.test"],
                RecordId = firstRecordId + i,
                SystemTime = start.AddTicks(i * TickStep).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            }.Render();
        }
    }

}
