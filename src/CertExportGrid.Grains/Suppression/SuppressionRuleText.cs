using CertExportGrid.Detection.Suppression;

namespace CertExportGrid.Grains.Suppression;

/// <summary>Stored rules to compiled criteria, and to the one-line text used in audit entries.</summary>
public static class SuppressionRuleText
{
    /// <summary>Compiles a stored rule; false with the reason when a field's pattern is unusable.</summary>
    public static bool TryCompile(SuppressionRuleRecord rule, out SuppressionCriteria? criteria, out string? error)
    {
        criteria = null;
        if (!TryField("dest", rule.Dest, out var dest, out error)
            || !TryField("subject", rule.Subject, out var subject, out error)
            || !TryField("process", rule.Process, out var process, out error)
            || !TryField("account", rule.Account, out var account, out error))
        {
            return false;
        }

        if (dest is null && subject is null && process is null && account is null)
        {
            error = "a rule must set at least one of dest, subject, process, account";
            return false;
        }

        criteria = new SuppressionCriteria(rule.Id, dest, subject, process, account);
        return true;
    }

    public static string Describe(SuppressionRuleRecord rule)
    {
        var parts = new[] { ("dest", rule.Dest), ("subject", rule.Subject), ("process", rule.Process), ("account", rule.Account) }
            .Where(field => field.Item2 is not null)
            .Select(field => $"{field.Item1} {((PatternKind)field.Item2!.Kind).ToString().ToLowerInvariant()} '{field.Item2.Pattern}'");
        var text = string.Join(" AND ", parts);
        return rule.Comment.Length == 0 ? text : $"{text} ({rule.Comment})";
    }

    private static bool TryField(string name, FieldMatchRecord? field, out PatternMatcher? matcher, out string? error)
    {
        matcher = null;
        error = null;
        if (field is null)
        {
            return true;
        }

        if (PatternMatcher.TryCreate((PatternKind)field.Kind, field.Pattern, out matcher, out var reason))
        {
            return true;
        }

        error = $"{name}: {reason}";
        return false;
    }
}
