namespace CertExportGrid.Detection.Rules;

/// <summary>Loads <see cref="DetectionRule"/> from YAML; the default rule ships embedded.</summary>
public static class DetectionRuleLoader
{
    /// <summary>The shipped "Windows Export Certificate" rule.</summary>
    public static DetectionRule LoadDefault() => throw new NotImplementedException();

    /// <summary>Loads a rule file; throws <see cref="InvalidDataException"/> naming the bad or missing field.</summary>
    public static DetectionRule LoadFile(string path) => throw new NotImplementedException();

    public static DetectionRule Parse(string yaml) => throw new NotImplementedException();
}
