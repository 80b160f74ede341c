using System.Text.RegularExpressions;
using CertExportGrid.Detection.Rules;

namespace CertExportGrid.Detection.Tests.Rules;

/// <summary>The shipped rule's YAML text, and edits of it for negative tests.</summary>
internal static class RuleYaml
{
    public static string Shipped { get; } = ReadShipped();

    /// <summary>The shipped YAML with every line matching <paramref name="linePattern"/> replaced.</summary>
    public static string Edit(string linePattern, string replacement)
    {
        var edited = Regex.Replace(Shipped, linePattern, replacement, RegexOptions.Multiline);
        Assert.NotEqual(Shipped, edited); // the edit must hit something, or the test proves nothing
        return edited;
    }

    private static string ReadShipped()
    {
        using var stream = typeof(DetectionRule).Assembly.GetManifestResourceStream("CertExportGrid.Detection.Rules.windows_export_certificate.yml")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
