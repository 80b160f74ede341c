namespace CertExportGrid.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>Finding aggregates and the finding index.</summary>
    public const string Findings = "findings";
}
