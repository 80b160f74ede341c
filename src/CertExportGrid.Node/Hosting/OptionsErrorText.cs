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
    /// C# type; what the setting accepts (an enum's values, a whole number) is what the operator needs.
    /// </summary>
    public static string Format(InvalidOperationException exception)
    {
        var match = ConversionFailure().Match(exception.Message);
        if (!match.Success)
        {
            return exception.Message;
        }

        var value = match.Groups["value"].Value;
        var type = typeof(OptionsErrorText).Assembly.GetType(match.Groups["type"].Value) ?? Type.GetType(match.Groups["type"].Value);
        var problem = type switch
        {
            { IsEnum: true } => $"use one of {string.Join(", ", Enum.GetNames(type))}.",
            _ when type == typeof(int) && WholeNumber().IsMatch(value) => $"the number is out of range (from {int.MinValue} to {int.MaxValue}, and the setting's own limits).",
            _ when type == typeof(int) || type == typeof(long) => "use a whole number.",
            _ when type == typeof(double) => "use a number (with a dot for decimals).",
            _ when type == typeof(bool) => "use true or false.",
            _ when type == typeof(TimeSpan) => "use a duration like 00:00:30 (hh:mm:ss).",
            _ => null,
        };
        return problem is null ? exception.Message : $"{match.Groups["key"].Value} cannot be '{value}': {problem}";
    }

    [GeneratedRegex(@"^\s*[+-]?\d+\s*$")]
    private static partial Regex WholeNumber();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    // "DataAnnotation validation failed for 'IngestOptions' members: 'X' with the error: 'The field X must be ...'."
    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
