namespace CertExportGrid.Node.Hosting;

/// <summary>
/// One node per data folder. Two nodes on the same SQLite file are two clusters writing the same
/// rows: each keeps its own in-memory findings, so their writes conflict and one of them serves
/// stale counts. The lock is an exclusive, advisory lock on a file in the folder (flock on Linux),
/// held for the node's lifetime and released by the OS if the process dies, so a crash never
/// leaves a stale lock behind.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private const string FileName = ".certexportgrid.lock";
    private readonly FileStream _lock;

    private DataFolderLock(FileStream held) => _lock = held;

    /// <summary>Takes the folder's lock, or throws naming the folder when another node holds it.</summary>
    public static DataFolderLock Acquire(string folder)
    {
        var path = Path.Combine(Path.GetFullPath(folder), FileName);
        try
        {
            return new DataFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException exception) when (exception is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidOperationException(
                $"The data folder '{Path.GetFullPath(folder)}' (CertExportGrid:DataDirectory / --data) is in use by another CertExportGrid node. " +
                "Stop it, or give this node its own folder; nodes that share state do so through Redis (see Scaling out in README.md).", exception);
        }
    }

    public void Dispose() => _lock.Dispose();
}
