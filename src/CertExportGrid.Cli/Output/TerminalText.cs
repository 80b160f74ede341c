using System.Globalization;
using System.Text;

namespace CertExportGrid.Cli.Output;

/// <summary>
/// Makes attacker-controlled text (subjects, dests, UserData_Xml, server messages) safe to print in the
/// human formats: no character that a terminal acts on or that reorders or hides text reaches it.
/// Backslash becomes <c>\\</c>; tab, line feed and carriage return become <c>\t</c>, <c>\n</c>, <c>\r</c>;
/// other C0 controls, DEL and C1 controls become <c>\xHH</c> (ESC is <c>\x1b</c>); line and paragraph
/// separators (U+2028, U+2029), bidirectional embeddings, overrides and isolates (U+202A-U+202E,
/// U+2066-U+2069) and the bidi marks U+200E, U+200F, U+061C become <c>\uXXXX</c>. Every other character
/// is kept, so names in any script stay readable, and the rendering is unambiguous: a <c>\</c> in the
/// output always starts an escape.
/// </summary>
internal static class TerminalText
{
    /// <summary>The escaped text (the same instance when nothing needs escaping).</summary>
    /// <param name="escapeBackslash">False only for local file names (Windows paths stay readable); control characters are escaped anyway.</param>
    public static string Escape(string? value, bool escapeBackslash = true)
    {
        if (string.IsNullOrEmpty(value))
            return value ?? "";
        var first = FirstToEscape(value, escapeBackslash);
        if (first < 0)
            return value;

        var builder = new StringBuilder(value.Length + 16);
        builder.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (!NeedsEscape(c, escapeBackslash))
            {
                builder.Append(c);
                continue;
            }

            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\t': builder.Append(@"\t"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                default:
                    builder.Append(c <= '\u00FF'
                        ? string.Create(CultureInfo.InvariantCulture, $@"\x{(int)c:x2}")
                        : string.Create(CultureInfo.InvariantCulture, $@"\u{(int)c:x4}"));
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether the text holds a character <see cref="Escape"/> would change.</summary>
    public static bool IsSafe(string value, bool escapeBackslash = true) => FirstToEscape(value, escapeBackslash) < 0;

    private static int FirstToEscape(string value, bool escapeBackslash)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (NeedsEscape(value[i], escapeBackslash))
                return i;
        }

        return -1;
    }

    private static bool NeedsEscape(char c, bool escapeBackslash) =>
        c switch
        {
            '\\' => escapeBackslash,
            < ' ' => true,                              // C0: ESC, BEL, CR, LF, TAB, NUL, ...
            >= '\u007F' and <= '\u009F' => true,        // DEL and C1 (CSI U+009B, OSC U+009D, ...)
            '\u2028' or '\u2029' => true,               // line / paragraph separator
            >= '\u202A' and <= '\u202E' => true,        // LRE, RLE, PDF, LRO, RLO
            >= '\u2066' and <= '\u2069' => true,        // LRI, RLI, FSI, PDI
            '\u200E' or '\u200F' or '\u061C' => true,   // LRM, RLM, ALM
            _ => false,
        };
}
