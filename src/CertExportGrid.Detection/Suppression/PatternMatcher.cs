using System.Text.RegularExpressions;

namespace CertExportGrid.Detection.Suppression;

/// <summary>How a suppression pattern is compared with a field value.</summary>
public enum PatternKind
{
    /// <summary>The whole value, ignoring case, as Splunk's <c>search field=value</c>.</summary>
    Exact = 1,

    /// <summary><c>*</c> any run of characters, <c>?</c> one character, whole value, ignoring case.</summary>
    Glob = 2,

    /// <summary>.NET regex, non-backtracking, bounded by a timeout; matches anywhere unless anchored.</summary>
    Regex = 3,
}

/// <summary>
/// One compiled field test. Regexes run on the non-backtracking engine (linear time) and still
/// carry a timeout; a timeout counts as "no match", so a bad pattern can only ever make a finding
/// visible, never hide one.
/// </summary>
public sealed class PatternMatcher
{
    /// <summary>Longest pattern accepted (characters).</summary>
    public const int MaxPatternLength = 1_024;

    /// <summary>Time budget of one regex evaluation.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;

    private PatternMatcher(PatternKind kind, string pattern, Regex regex)
    {
        Kind = kind;
        Pattern = pattern;
        _regex = regex;
    }

    public PatternKind Kind { get; }

    public string Pattern { get; }

    /// <summary>Evaluations that hit the regex timeout (treated as no match), process-wide.</summary>
    public static long Timeouts => Interlocked.Read(ref s_timeouts);

    private static long s_timeouts;

    /// <summary>Compiles a pattern; false with a reason a person can act on when it is unusable.</summary>
    public static bool TryCreate(PatternKind kind, string pattern, out PatternMatcher? matcher, out string? error)
    {
        matcher = null;
        error = null;
        if (pattern.Length == 0)
        {
            error = "the pattern is empty";
            return false;
        }

        if (pattern.Length > MaxPatternLength)
        {
            error = $"the pattern is longer than {MaxPatternLength} characters";
            return false;
        }

        var source = kind switch
        {
            PatternKind.Exact => "^" + System.Text.RegularExpressions.Regex.Escape(pattern) + "$",
            PatternKind.Glob => GlobToRegex(pattern),
            PatternKind.Regex => pattern,
            _ => null,
        };
        if (source is null)
        {
            error = $"unknown match kind {(int)kind}";
            return false;
        }

        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.Singleline;
        if (kind != PatternKind.Regex)
        {
            options |= RegexOptions.IgnoreCase;
        }

        try
        {
            matcher = new PatternMatcher(kind, pattern, new Regex(source, options, RegexTimeout));
            return true;
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            // NonBacktracking refuses backreferences, lookarounds and atomic groups.
            error = $"the regular expression is invalid or uses a construct the linear-time engine does not support: {exception.Message}";
            return false;
        }
    }

    /// <summary>
    /// The anchored regex source of a glob: <c>*</c> any run of characters, <c>?</c> one character,
    /// everything else literal. Case and engine options are the caller's.
    /// </summary>
    public static string GlobToRegex(string glob) =>
        "^" + System.Text.RegularExpressions.Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";

    /// <summary>True when the value matches; a missing value never matches.</summary>
    public bool Matches(string? value)
    {
        if (value is null)
        {
            return false;
        }

        try
        {
            return _regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.Increment(ref s_timeouts);
            return false;
        }
    }

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Pattern}";
}
