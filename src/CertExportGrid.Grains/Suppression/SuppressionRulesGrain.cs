using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CertExportGrid.Grains.Suppression;

/// <summary>
/// The durable, audited list of suppression rules. Every change bumps the version, is written
/// before the call returns, appends an audit entry (who, when, what) and logs a line. Findings
/// are never touched here: a rule change only changes what is published and listed.
/// </summary>
public sealed partial class SuppressionRulesGrain(
    [PersistentState("suppressions", StorageNames.Findings)] IPersistentState<SuppressionRulesState> state,
    TimeProvider clock,
    ILogger<SuppressionRulesGrain> logger) : Grain, ISuppressionRulesGrain
{
    /// <summary>Audit entries kept in the grain state (oldest dropped first).</summary>
    public const int MaxAuditEntries = 10_000;

    /// <summary>Rules in force at once; each costs a little on every counted event.</summary>
    public const int MaxRules = 1_000;

    public async Task<SuppressionRuleRecord> Add(SuppressionRuleRecord rule, string actor)
    {
        if (state.State.Rules.Count >= MaxRules)
        {
            throw new InvalidOperationException($"There are already {MaxRules} suppression rules; remove some first.");
        }

        var now = clock.GetUtcNow().UtcTicks;
        state.State.NextId++;
        var stored = rule with
        {
            Id = "s-" + state.State.NextId.ToString(CultureInfo.InvariantCulture),
            CreatedBy = actor,
            CreatedTicks = now,
        };
        state.State.Rules.Add(stored);
        var detail = SuppressionRuleText.Describe(stored);
        Audit(now, actor, "add", stored.Id, detail);
        await state.WriteStateAsync();
        LogRuleAdded(logger, actor, stored.Id, detail);
        return stored;
    }

    public async Task<SuppressionRuleRecord?> Remove(string id, string actor)
    {
        var index = state.State.Rules.FindIndex(rule => string.Equals(rule.Id, id, StringComparison.Ordinal));
        if (index < 0)
        {
            return null;
        }

        var removed = state.State.Rules[index];
        state.State.Rules.RemoveAt(index);
        var detail = SuppressionRuleText.Describe(removed);
        Audit(clock.GetUtcNow().UtcTicks, actor, "remove", removed.Id, detail);
        await state.WriteStateAsync();
        LogRuleRemoved(logger, actor, removed.Id, detail);
        return removed;
    }

    public Task<SuppressionListing> List(int auditLimit)
    {
        var audit = state.State.Audit;
        var take = Math.Clamp(auditLimit, 0, audit.Count);
        return Task.FromResult(new SuppressionListing(state.State.Version, [.. state.State.Rules], [.. audit.Skip(audit.Count - take)]));
    }

    public Task<SuppressionListing?> GetIfChanged(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version && knownVersion != 0
            ? null
            : new SuppressionListing(state.State.Version, [.. state.State.Rules], []));

    private void Audit(long atTicks, string actor, string action, string ruleId, string detail)
    {
        state.State.Version++;
        state.State.Audit.Add(new SuppressionAuditRecord(atTicks, actor, action, ruleId, detail));
        if (state.State.Audit.Count > MaxAuditEntries)
        {
            state.State.Audit.RemoveRange(0, state.State.Audit.Count - MaxAuditEntries);
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Audit: {Actor} added suppression rule {RuleId}: {Rule}")]
    private static partial void LogRuleAdded(ILogger logger, string actor, string ruleId, string rule);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Audit: {Actor} removed suppression rule {RuleId}: {Rule}")]
    private static partial void LogRuleRemoved(ILogger logger, string actor, string ruleId, string rule);
}

/// <summary>The persisted rules and their audit trail.</summary>
[GenerateSerializer, Alias("certexportgrid.SuppressionRulesState")]
public sealed class SuppressionRulesState
{
    /// <summary>Bumped on every change; 0 means "never changed".</summary>
    [Id(0)] public long Version { get; set; }

    /// <summary>The number in the last id handed out; ids are never reused.</summary>
    [Id(1)] public long NextId { get; set; }

    [Id(2)] public List<SuppressionRuleRecord> Rules { get; set; } = [];

    /// <summary>Oldest first, bounded by <see cref="SuppressionRulesGrain.MaxAuditEntries"/>.</summary>
    [Id(3)] public List<SuppressionAuditRecord> Audit { get; set; } = [];
}
