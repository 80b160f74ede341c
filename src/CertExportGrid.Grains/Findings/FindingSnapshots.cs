using CertExportGrid.Detection.Rules;

namespace CertExportGrid.Grains.Findings;

/// <summary>Builds the published / queried view of a finding from its state and the rule.</summary>
internal static class FindingSnapshots
{
    public static FindingSnapshot From(FindingState state, DetectionRule rule, bool includeRows, bool suppressed) => new()
    {
        Dest = state.Dest,
        Subject = state.Subject,
        Count = state.Count,
        FirstTicks = state.FirstTicks,
        LastTicks = state.LastTicks,
        Version = state.Version,
        SubjectNames = state.LastSubjectNames,
        LastExport = state.LastExport ?? new ExportDetails(),
        RowCount = state.Rows.Count,
        Rows = includeRows
            ? [.. state.Rows
                .OrderBy(row => row.Value.FirstTicks)
                .ThenBy(row => row.Key, StringComparer.Ordinal)
                .Select(row => new SplunkRowState(row.Key, row.Value.Count, row.Value.FirstTicks, row.Value.LastTicks))]
            : [],
        Rule = RuleReferences.From(rule),
        RiskMessage = rule.FormatMessage(state.Dest),
        Collectors = [.. state.Collectors],
        LastCollector = state.LastCollector,
        Suppressed = suppressed,
        SuppressedCount = state.SuppressedCount,
    };
}

internal static class RuleReferences
{
    // The rule is one immutable object for the life of the silo and the reference is immutable
    // too, so every snapshot shares one instead of copying the rule's metadata per update.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DetectionRule, RuleReference> s_cache = [];

    public static RuleReference From(DetectionRule rule) => s_cache.GetValue(rule, Create);

    private static RuleReference Create(DetectionRule rule) => new()
    {
        Id = rule.Id,
        Name = rule.Name,
        Version = rule.Version,
        MitreAttackIds = [.. rule.MitreAttackIds],
        RiskScore = rule.RiskScore,
        AnalyticStory = rule.AnalyticStories.Count > 0 ? rule.AnalyticStories[0] : "",
        Type = rule.Type,
    };
}
