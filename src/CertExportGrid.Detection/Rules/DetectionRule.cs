namespace CertExportGrid.Detection.Rules;

/// <summary>Rule metadata loaded from a security_content-style detection YAML file.</summary>
public sealed record DetectionRule
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required int Version { get; init; }
    public required string Type { get; init; }
    public string Description { get; init; } = "";
    public string DataSource { get; init; } = "";
    public string Search { get; init; } = "";
    public string KnownFalsePositives { get; init; } = "";
    public IReadOnlyList<string> MitreAttackIds { get; init; } = [];
    public IReadOnlyList<string> AnalyticStories { get; init; } = [];
    public required int RiskScore { get; init; }
    public required string RiskObjectField { get; init; }
    public required string RiskObjectType { get; init; }

    /// <summary>The risk message with $field$ placeholders, e.g. "... on $dest$ ...".</summary>
    public required string RiskMessageTemplate { get; init; }

    /// <summary>The risk message for one dest ($dest$ filled in verbatim).</summary>
    /// <remarks>One pass, so a dest that itself contains "$dest$" is not expanded again.</remarks>
    public string FormatMessage(string dest)
    {
        ArgumentNullException.ThrowIfNull(dest);
        return RiskMessageTemplate.Replace("$dest$", dest, StringComparison.Ordinal);
    }
}
