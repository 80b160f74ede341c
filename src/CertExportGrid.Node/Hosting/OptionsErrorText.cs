using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Hosting;

/// <summary>
/// Turns an options validation failure into lines an operator can act on: the configuration key
/// (CertExportGrid:Ingest:MaxEventsPerGrainCall), not the C# class and member the validator names.
/// </summary>
public static partial class OptionsErrorText
{
    public static string Format(OptionsValidationException exception)
    {
        // Every options class of the node declares its configuration section as a constant.
        var section = exception.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        var lines = exception.Failures.Select(failure =>
        {
            var match = DataAnnotationFailure().Match(failure);
            return match.Success && section is not null
                ? $"{section}:{match.Groups["member"].Value}: {match.Groups["error"].Value}"
                : failure;
        });
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// The binder's "Failed to convert configuration value 'Foo' at 'K' to type 'Some.Enum'" names a
    /// C# type; for an enum, the values the setting accepts are what the operator needs.
    /// </summary>
    public static string Format(InvalidOperationException exception)
    {
        var match = ConversionFailure().Match(exception.Message);
        if (!match.Success || typeof(OptionsErrorText).Assembly.GetType(match.Groups["type"].Value) is not { IsEnum: true } type)
        {
            return exception.Message;
        }

        return $"{match.Groups["key"].Value} cannot be '{match.Groups["value"].Value}': use one of {string.Join(", ", Enum.GetNames(type))}.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    // "DataAnnotation validation failed for 'IngestOptions' members: 'X' with the error: 'The field X must be ...'."
    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
