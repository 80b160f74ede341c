using CertExportGrid.Detection.Events;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// The search's filter stages applied to one event: source macro (channel), EventCode=1007,
/// and the stats BY fields (Computer, SubjectName, UserData_Xml) that must be present.
/// </summary>
public static class ExportEventClassifier
{
    public const string SystemChannel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational";
    public const string UserChannel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational";

    public static Classification Classify(WinEvent winEvent) => throw new NotImplementedException();
}
