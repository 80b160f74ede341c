using CertExportGrid.Contracts.V1;
using CertExportGrid.Grains;
using Google.Protobuf.WellKnownTypes;

namespace CertExportGrid.Node.Suppression;

/// <summary>Suppression rules and audit entries between the wire and the grain records.</summary>
public static class SuppressionMapper
{
    public static SuppressionRuleRecord ToRecord(SuppressionRule rule) => new()
    {
        Dest = ToRecord(rule.Dest),
        Subject = ToRecord(rule.Subject),
        Process = ToRecord(rule.Process),
        Account = ToRecord(rule.Account),
        Comment = rule.Comment,
    };

    public static SuppressionRule ToProto(SuppressionRuleRecord record) => new()
    {
        Id = record.Id,
        Dest = ToProto(record.Dest),
        Subject = ToProto(record.Subject),
        Process = ToProto(record.Process),
        Account = ToProto(record.Account),
        Comment = record.Comment,
        CreatedBy = record.CreatedBy,
        CreatedAt = Timestamp.FromDateTime(new DateTime(record.CreatedTicks, DateTimeKind.Utc)),
    };

    public static AuditEntry ToProto(SuppressionAuditRecord record) => new()
    {
        At = Timestamp.FromDateTime(new DateTime(record.AtTicks, DateTimeKind.Utc)),
        Actor = record.Actor,
        Action = record.Action,
        RuleId = record.RuleId,
        Detail = record.Detail,
    };

    private static FieldMatchRecord? ToRecord(FieldMatch? field) =>
        field is null || (field.Kind == MatchKind.Unspecified && field.Pattern.Length == 0) ? null : new((int)field.Kind, field.Pattern);

    private static FieldMatch? ToProto(FieldMatchRecord? field) =>
        field is null ? null : new FieldMatch { Kind = (MatchKind)field.Kind, Pattern = field.Pattern };
}
