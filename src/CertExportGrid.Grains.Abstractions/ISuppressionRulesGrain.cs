namespace CertExportGrid.Grains;

/// <summary>
/// The cluster's suppression rules (the search's <c>windows_export_certificate_filter</c>), durable
/// and audited. One activation, key 0. Silos cache the rules and re-read them when the version changes.
/// </summary>
[Alias("certexportgrid.ISuppressionRulesGrain")]
public interface ISuppressionRulesGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a rule (its id and creation fields are assigned here) and audits it.</summary>
    [Alias("Add")]
    Task<SuppressionRuleRecord> Add(SuppressionRuleRecord rule, string actor);

    /// <summary>Removes a rule and audits it; null when no rule has that id.</summary>
    [Alias("Remove")]
    Task<SuppressionRuleRecord?> Remove(string id, string actor);

    /// <summary>The rules, the most recent <paramref name="auditLimit"/> audit entries and the version.</summary>
    [Alias("List")]
    Task<SuppressionListing> List(int auditLimit);

    /// <summary>The rules when their version differs from <paramref name="knownVersion"/>, else null (cheap polling).</summary>
    [Alias("GetIfChanged")]
    Task<SuppressionListing?> GetIfChanged(long knownVersion);
}

/// <summary>How a field pattern is compared (values match CertExportGrid.Detection.Suppression.PatternKind).</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.FieldMatchRecord")]
public sealed record FieldMatchRecord([property: Id(0)] int Kind, [property: Id(1)] string Pattern);

/// <summary>One suppression rule as stored.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.SuppressionRuleRecord")]
public sealed record SuppressionRuleRecord
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public FieldMatchRecord? Dest { get; init; }
    [Id(2)] public FieldMatchRecord? Subject { get; init; }
    [Id(3)] public FieldMatchRecord? Process { get; init; }
    [Id(4)] public FieldMatchRecord? Account { get; init; }
    [Id(5)] public string Comment { get; init; } = "";
    [Id(6)] public string CreatedBy { get; init; } = "";
    [Id(7)] public long CreatedTicks { get; init; }
}

/// <summary>One audited change: who, when, what.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.SuppressionAuditRecord")]
public sealed record SuppressionAuditRecord(
    [property: Id(0)] long AtTicks,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string RuleId,
    [property: Id(4)] string Detail);

/// <summary>The rules in force, recent audit entries and the rules' version.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.SuppressionListing")]
public sealed record SuppressionListing(
    [property: Id(0)] long Version,
    [property: Id(1)] SuppressionRuleRecord[] Rules,
    [property: Id(2)] SuppressionAuditRecord[] Audit);
