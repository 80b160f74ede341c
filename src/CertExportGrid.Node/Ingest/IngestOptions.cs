using System.ComponentModel.DataAnnotations;

namespace CertExportGrid.Node.Ingest;

/// <summary>Ingest limits (configuration section CertExportGrid:Ingest).</summary>
public sealed class IngestOptions
{
    public const string Section = "CertExportGrid:Ingest";

    /// <summary>Most events in one batch (default 10,000); a larger batch fails the call with INVALID_ARGUMENT.</summary>
    [Range(1, 1_000_000)]
    public int MaxEventsPerBatch { get; set; } = 10_000;

    /// <summary>
    /// Batches of one stream processed at the same time (default 4). Acks still go out in order;
    /// beyond this the server stops reading the stream, so HTTP/2 flow control slows the collector.
    /// </summary>
    [Range(1, 64)]
    public int MaxInFlightBatchesPerStream { get; set; } = 4;

    /// <summary>
    /// Most events in one grain call when the gateway merges concurrent batches' groups for the same
    /// (dest, subject) (default 4,096). A single batch's group is never split, whatever its size.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxEventsPerGrainCall { get; set; } = 4_096;

    /// <summary>
    /// Ingest streams open at once on this gateway (default 256). One more is refused with
    /// UNAVAILABLE and a retry-after-ms trailer.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentStreams { get; set; } = 256;

    /// <summary>Largest gRPC message accepted, in bytes (default 16 MiB); larger fails with RESOURCE_EXHAUSTED.</summary>
    [Range(4_096, 256 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest single event, in characters (default 65,536); larger is rejected TOO_LARGE.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int MaxEventChars { get; set; } = 65_536;

    /// <summary>Deepest element nesting in an event (default 32); deeper is rejected TOO_DEEP.</summary>
    [Range(8, 1_000)]
    public int MaxXmlDepth { get; set; } = 32;
}
