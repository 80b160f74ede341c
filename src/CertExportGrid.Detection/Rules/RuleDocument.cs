namespace CertExportGrid.Detection.Rules;

// The shape of a security_content detection YAML file, only the keys we read. YamlDotNet fills
// these by reflection with underscored names (data_source -> DataSource); unknown keys are skipped.
// Numbers are read as text so a bad value can be reported by field name.

internal sealed class RuleDocument
{
    public string? Name { get; set; }
    public string? Id { get; set; }
    public string? Version { get; set; }
    public string? Type { get; set; }
    public string? Description { get; set; }
    public List<string>? DataSource { get; set; }
    public string? Search { get; set; }
    public string? KnownFalsePositives { get; set; }
    public RbaDocument? Rba { get; set; }
    public TagsDocument? Tags { get; set; }
}

internal sealed class RbaDocument
{
    public string? Message { get; set; }
    public List<RiskObjectDocument>? RiskObjects { get; set; }
}

internal sealed class RiskObjectDocument
{
    public string? Field { get; set; }
    public string? Type { get; set; }
    public string? Score { get; set; }
}

internal sealed class TagsDocument
{
    public List<string>? AnalyticStory { get; set; }
    public List<string>? MitreAttackId { get; set; }
}
