namespace CertExportGrid.Cli;

/// <summary>Process exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad arguments, a missing file: the caller's mistake, nothing was sent.</summary>
    public const int Usage = 1;
    /// <summary>replay: at least one event was rejected (the others were applied).</summary>
    public const int Rejected = 2;
    /// <summary>The server could not be reached or the call/stream failed.</summary>
    public const int ServerFailure = 3;
}
