using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CertExportGrid.Detection.Rules;

/// <summary>Loads <see cref="DetectionRule"/> from YAML; the default rule ships embedded.</summary>
public static partial class DetectionRuleLoader
{
    private const string DefaultResource = "CertExportGrid.Detection.Rules.windows_export_certificate.yml";

    private static readonly IDeserializer s_deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .WithDuplicateKeyChecking()
        .Build();

    private static readonly Lazy<DetectionRule> s_default = new(() =>
    {
        using var stream = typeof(DetectionRuleLoader).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"Embedded rule {DefaultResource} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), DefaultResource);
    });

    /// <summary>The shipped "Windows Export Certificate" rule.</summary>
    public static DetectionRule LoadDefault() => s_default.Value;

    /// <summary>Loads a rule file; throws <see cref="InvalidDataException"/> naming the bad or missing field.</summary>
    public static DetectionRule LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses rule YAML; throws <see cref="InvalidDataException"/> naming the bad or missing field.</summary>
    public static DetectionRule Parse(string yaml) => Parse(yaml, "rule YAML");

    private static DetectionRule Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        RuleDocument? doc;
        try
        {
            doc = s_deserializer.Deserialize<RuleDocument?>(yaml);
        }
        catch (YamlException ex)
        {
            // For a value of the wrong shape YamlDotNet says only "Exception during deserialization"
            // (its inner message names .NET types); the position is what a person can act on.
            var reason = ex is SyntaxErrorException or SemanticErrorException
                ? ex.Message
                : "the value there has the wrong shape for its field (a list or mapping where one value belongs, or the reverse)";
            throw new InvalidDataException($"{source}: not a readable detection rule (line {ex.Start.Line}, column {ex.Start.Column}): {reason}", ex);
        }

        if (doc is null)
        {
            throw new InvalidDataException($"{source}: the document is empty.");
        }

        return Validate(doc, source);
    }

    private static DetectionRule Validate(RuleDocument doc, string source)
    {
        var id = Required(doc.Id, "id", source);
        if (!Guid.TryParse(id, out _))
        {
            throw Invalid(source, "id", id, "a GUID");
        }

        var version = Required(doc.Version, "version", source);
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var versionNumber) || versionNumber < 1)
        {
            throw Invalid(source, "version", version, "a positive integer");
        }

        var rba = doc.Rba ?? throw Missing(source, "rba");
        var riskObject = rba.RiskObjects is [var first, ..] ? first : throw Missing(source, "rba.risk_objects");
        var score = Required(riskObject.Score, "rba.risk_objects[0].score", source);
        if (!int.TryParse(score, NumberStyles.None, CultureInfo.InvariantCulture, out var scoreNumber) || scoreNumber > 100)
        {
            throw Invalid(source, "rba.risk_objects[0].score", score, "an integer from 0 to 100");
        }

        var mitreIds = doc.Tags?.MitreAttackId ?? [];
        foreach (var mitreId in mitreIds)
        {
            if (mitreId is null || !MitreId().IsMatch(mitreId))
            {
                throw Invalid(source, "tags.mitre_attack_id", mitreId, "an ATT&CK technique id such as T1649 or T1552.004");
            }
        }

        return new DetectionRule
        {
            Id = id,
            Name = Required(doc.Name, "name", source),
            Version = versionNumber,
            Type = Required(doc.Type, "type", source),
            Description = doc.Description?.Trim() ?? "",
            DataSource = string.Join(", ", doc.DataSource ?? []),
            Search = doc.Search?.Trim() ?? "",
            KnownFalsePositives = doc.KnownFalsePositives?.Trim() ?? "",
            MitreAttackIds = [.. mitreIds],
            AnalyticStories = [.. doc.Tags?.AnalyticStory ?? []],
            RiskScore = scoreNumber,
            RiskObjectField = Required(riskObject.Field, "rba.risk_objects[0].field", source),
            RiskObjectType = Required(riskObject.Type, "rba.risk_objects[0].type", source),
            RiskMessageTemplate = Required(rba.Message, "rba.message", source),
        };
    }

    private static string Required(string? value, string field, string source)
        => string.IsNullOrWhiteSpace(value) ? throw Missing(source, field) : value.Trim();

    private static InvalidDataException Missing(string source, string field)
        => new($"{source}: required field '{field}' is missing or empty.");

    private static InvalidDataException Invalid(string source, string field, string? value, string expected)
        => new($"{source}: field '{field}' is '{value}', expected {expected}.");

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$", RegexOptions.CultureInvariant)]
    private static partial Regex MitreId();
}
