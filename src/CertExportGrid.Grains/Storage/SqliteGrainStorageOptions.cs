namespace CertExportGrid.Grains.Storage;

/// <summary>Options of the embedded SQLite grain storage (configuration section CertExportGrid:Storage).</summary>
public sealed class SqliteGrainStorageOptions
{
    /// <summary>Path of the database file; its folder is created when missing.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "certexportgrid.db");

    /// <summary>
    /// When true (default) every commit is flushed to disk (SQLite synchronous=FULL), so an
    /// acknowledged event survives a power loss, not only a process crash. Writes from many grains
    /// are grouped into one transaction, so the flush is paid once per group.
    /// </summary>
    public bool FlushEveryCommit { get; set; } = true;

    /// <summary>Most writes grouped into one transaction (default 512).</summary>
    public int MaxWritesPerCommit { get; set; } = 512;
}
