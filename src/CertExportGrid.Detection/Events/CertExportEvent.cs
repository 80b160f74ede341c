namespace CertExportGrid.Detection.Events;

/// <summary>
/// An in-scope certificate export (event 1007 of a Lifecycle channel with a subject): everything
/// the aggregation needs, validated. <see cref="Subject"/> is the last SubjectName, as xmlkv yields it.
/// </summary>
public sealed record CertExportEvent(
    string Dest,
    string Subject,
    IReadOnlyList<string> SubjectNames,
    string UserDataXml,
    DateTime TimeCreatedUtc,
    LifecycleChannel Channel,
    string ChannelText,
    long? RecordId,
    string? ProcessName,
    string? AccountName,
    string? Context,
    string? Thumbprint,
    string? UserSid);

/// <summary>The two channels the search's source macro reads.</summary>
public enum LifecycleChannel : byte
{
    /// <summary>Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational.</summary>
    System = 1,

    /// <summary>Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational.</summary>
    User = 2,
}
