namespace CertExportGrid.Grains;

/// <summary>
/// The aggregate of one (dest, subject): count, first and last event time, one row per distinct
/// UserData_Xml, and the bounded de-duplication memory. Keyed by <c>FindingKey.Encode()</c>.
/// </summary>
[Alias("certexportgrid.IExportFindingGrain")]
public interface IExportFindingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies a group of exports of this key. Returns only after the new state is persisted, so the
    /// gateway may acknowledge the events. Re-sent events (same Channel, EventRecordID and
    /// SystemTime) are counted once.
    /// </summary>
    [Alias("Apply")]
    Task<ApplyResult> Apply(ExportObservation[] observations);

    /// <summary>The current finding, or null when nothing was ever counted for this key.</summary>
    [Alias("GetFinding")]
    Task<FindingSnapshot?> GetFinding(bool includeRows);
}
