using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Grains;
using Google.Protobuf.WellKnownTypes;
using ExportDetails = CertExportGrid.Contracts.V1.ExportDetails;

namespace CertExportGrid.Node.Findings;

/// <summary>Grain records to wire messages.</summary>
public static class FindingMapper
{
    public static Finding ToProto(FindingSnapshot snapshot)
    {
        var finding = new Finding
        {
            Dest = snapshot.Dest,
            Subject = snapshot.Subject,
            Count = (ulong)snapshot.Count,
            FirstTime = ToTimestamp(snapshot.FirstTicks),
            LastTime = ToTimestamp(snapshot.LastTicks),
            FirstTimeSplunk = SystemTime.ToSplunk(ToUtc(snapshot.FirstTicks)),
            LastTimeSplunk = SystemTime.ToSplunk(ToUtc(snapshot.LastTicks)),
            Version = (ulong)snapshot.Version,
            LastExport = new ExportDetails
            {
                ProcessName = snapshot.LastExport.ProcessName ?? "",
                AccountName = snapshot.LastExport.AccountName ?? "",
                Thumbprint = snapshot.LastExport.Thumbprint ?? "",
                Channel = snapshot.LastExport.Channel,
                UserSid = snapshot.LastExport.UserSid ?? "",
                Context = snapshot.LastExport.Context ?? "",
                TimeCreated = ToTimestamp(snapshot.LastExport.TimeTicks),
            },
            Rule = new RuleInfo
            {
                Id = snapshot.Rule.Id,
                Name = snapshot.Rule.Name,
                Version = (uint)snapshot.Rule.Version,
                RiskScore = (uint)snapshot.Rule.RiskScore,
                AnalyticStory = snapshot.Rule.AnalyticStory,
                Type = snapshot.Rule.Type,
            },
            RiskMessage = snapshot.RiskMessage,
            RowCount = (uint)snapshot.RowCount,
            LastCollector = snapshot.LastCollector ?? "",
            Suppressed = snapshot.Suppressed,
            SuppressedCount = (ulong)snapshot.SuppressedCount,
        };
        finding.Collectors.AddRange(snapshot.Collectors);
        if (snapshot.LastExport.RecordId is { } recordId and >= 0)
        {
            finding.LastExport.RecordId = (ulong)recordId;
        }

        finding.SubjectNames.AddRange(snapshot.SubjectNames);
        finding.Rule.MitreAttackIds.AddRange(snapshot.Rule.MitreAttackIds);
        return finding;
    }

    public static SplunkRow ToProto(FindingSnapshot snapshot, SplunkRowState row) => new()
    {
        Dest = snapshot.Dest,
        SubjectName = snapshot.Subject,
        UserDataXml = row.UserDataXml,
        Count = (ulong)row.Count,
        FirstTime = SystemTime.ToSplunk(ToUtc(row.FirstTicks)),
        LastTime = SystemTime.ToSplunk(ToUtc(row.LastTicks)),
        FirstTimeExact = ToTimestamp(row.FirstTicks),
        LastTimeExact = ToTimestamp(row.LastTicks),
    };

    private static DateTime ToUtc(long ticks) => new(ticks, DateTimeKind.Utc);

    private static Timestamp ToTimestamp(long ticks) => Timestamp.FromDateTime(ToUtc(ticks));
}
