using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Replay;

/// <summary>Reject reasons as the proto spells them (NOT_WELL_FORMED), which is what people grep for.</summary>
internal static class RejectReasonNames
{
    public static string Of(RejectReason reason) =>
        IngestReflection.Descriptor.EnumTypes.First(e => e.Name == nameof(RejectReason)).FindValueByNumber((int)reason)?.Name ?? $"REJECT_REASON_{(int)reason}";
}
