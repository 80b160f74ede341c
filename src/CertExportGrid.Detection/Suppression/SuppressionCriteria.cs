namespace CertExportGrid.Detection.Suppression;

/// <summary>The fields of one Splunk row that a suppression rule can test.</summary>
public readonly record struct RowFields(string Dest, string Subject, string? Process, string? Account);

/// <summary>
/// One compiled suppression rule: it matches a row when every field it names matches (unset
/// fields match anything). The search's <c>windows_export_certificate_filter</c> macro, as data.
/// </summary>
public sealed class SuppressionCriteria
{
    public SuppressionCriteria(string id, PatternMatcher? dest, PatternMatcher? subject, PatternMatcher? process, PatternMatcher? account)
    {
        if (dest is null && subject is null && process is null && account is null)
        {
            throw new ArgumentException("A suppression rule must test at least one field.", nameof(dest));
        }

        Id = id;
        Dest = dest;
        Subject = subject;
        Process = process;
        Account = account;
    }

    public string Id { get; }
    public PatternMatcher? Dest { get; }
    public PatternMatcher? Subject { get; }
    public PatternMatcher? Process { get; }
    public PatternMatcher? Account { get; }

    public bool Matches(in RowFields row) =>
        (Dest is null || Dest.Matches(row.Dest))
        && (Subject is null || Subject.Matches(row.Subject))
        && (Process is null || Process.Matches(row.Process))
        && (Account is null || Account.Matches(row.Account));

    public override string ToString() =>
        string.Join(" AND ", new[] { ("dest", Dest), ("subject", Subject), ("process", Process), ("account", Account) }
            .Where(field => field.Item2 is not null)
            .Select(field => $"{field.Item1}={field.Item2}"));
}

/// <summary>A compiled set of rules with the version it was read at; OR across rules.</summary>
public sealed class SuppressionSet(long version, IReadOnlyList<SuppressionCriteria> rules)
{
    public static readonly SuppressionSet Empty = new(0, []);

    public long Version { get; } = version;

    public IReadOnlyList<SuppressionCriteria> Rules { get; } = rules;

    public bool Matches(in RowFields row)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(row))
            {
                return true;
            }
        }

        return false;
    }
}
