using System.Text.RegularExpressions;
using CertExportGrid.Detection.Suppression;

namespace CertExportGrid.Node.Security;

/// <summary>
/// The Computer values a collector may speak for: exact names or globs (* and ?), ignoring case,
/// because host names are case-insensitive and collectors differ in how they spell them.
/// </summary>
public sealed class HostPatterns
{
    public static readonly HostPatterns Any = new([]);

    private readonly HashSet<string> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Regex> _globs = [];

    public HostPatterns(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns.Where(pattern => pattern.Length > 0))
        {
            Patterns.Add(pattern);
            if (pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal))
            {
                _globs.Add(new Regex(PatternMatcher.GlobToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Singleline));
            }
            else
            {
                _exact.Add(pattern);
            }
        }
    }

    public List<string> Patterns { get; } = [];

    /// <summary>True when unrestricted or when a pattern matches the Computer value.</summary>
    public bool Allows(string computer) =>
        Patterns.Count == 0 || _exact.Contains(computer) || _globs.Exists(glob => glob.IsMatch(computer));
}
