using CertExportGrid.Detection.Rules;

namespace CertExportGrid.Detection.Tests.Rules;

public class DetectionRuleLoaderTests
{
    [Fact]
    public void LoadDefault_ShippedRule_CarriesTheReferenceMetadata()
    {
        var rule = DetectionRuleLoader.LoadDefault();

        Assert.Equal("Windows Export Certificate", rule.Name);
        Assert.Equal("d8ddfa9b-b724-4df9-9dbe-f34cc0936714", rule.Id);
        Assert.Equal(11, rule.Version);
        Assert.Equal("Anomaly", rule.Type);
        Assert.Equal(["T1552.004", "T1649"], rule.MitreAttackIds);
        Assert.Equal(["Windows Certificate Services"], rule.AnalyticStories);
        Assert.Equal("Windows Event Log CertificateServicesClient 1007", rule.DataSource);
        Assert.Equal(20, rule.RiskScore);
        Assert.Equal("dest", rule.RiskObjectField);
        Assert.Equal("system", rule.RiskObjectType);
        Assert.Equal("An certificate was exported on $dest$ from the Windows Certificate Store.", rule.RiskMessageTemplate);
        Assert.Contains("automated processes or services that export certificates", rule.KnownFalsePositives, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(rule.Description);
    }

    [Fact]
    public void LoadDefault_SearchText_IsTheReferenceSearch()
    {
        Assert.Equal(
            "`certificateservices_lifecycle` EventCode=1007 | xmlkv UserData_Xml | stats count min(_time) as firstTime max(_time) as lastTime "
            + "BY Computer, SubjectName, UserData_Xml | rename Computer as dest | `security_content_ctime(firstTime)` | "
            + "`security_content_ctime(lastTime)` | `windows_export_certificate_filter`",
            DetectionRuleLoader.LoadDefault().Search);
    }

    [Fact]
    public void LoadDefault_TwoCalls_ReturnTheSameRule()
    {
        Assert.Same(DetectionRuleLoader.LoadDefault(), DetectionRuleLoader.LoadDefault());
    }

    [Fact]
    public void Parse_ShippedText_EqualsLoadDefault()
    {
        Assert.Equal(DetectionRuleLoader.LoadDefault(), DetectionRuleLoader.Parse(RuleYaml.Shipped) with
        {
            // records compare lists by reference; compare their contents separately
            MitreAttackIds = DetectionRuleLoader.LoadDefault().MitreAttackIds,
            AnalyticStories = DetectionRuleLoader.LoadDefault().AnalyticStories,
        });
    }

    [Fact]
    public void Parse_UnknownKeys_AreIgnored()
    {
        var yaml = RuleYaml.Shipped
            + "drilldown_searches:\n- name: View the detection results\n  search: '| from x'\n"
            + "tests:\n- name: True Positive Test\n  attack_data:\n  - data: https://example.test/x.log\n";
        var rule = DetectionRuleLoader.Parse(yaml.Replace("  asset_type: Endpoint\n", "  asset_type: Endpoint\n  confidence: 60\n", StringComparison.Ordinal));
        Assert.Equal(11, rule.Version);
    }

    [Fact]
    public void Parse_AnotherRule_ReadsItsOwnValues()
    {
        var yaml = RuleYaml.Edit("^version: 11$", "version: 12")
            .Replace("score: 20", "score: 64", StringComparison.Ordinal)
            .Replace("exported on $dest$", "exported from $dest$", StringComparison.Ordinal);

        var rule = DetectionRuleLoader.Parse(yaml);

        Assert.Equal(12, rule.Version);
        Assert.Equal(64, rule.RiskScore);
        Assert.Equal("An certificate was exported from HOST1 from the Windows Certificate Store.", rule.FormatMessage("HOST1"));
    }

    [Theory]
    [InlineData("^name: .*$", "name")]
    [InlineData("^id: .*$", "id")]
    [InlineData("^version: .*$", "version")]
    [InlineData("^type: .*$", "type")]
    [InlineData("^  message: .*$", "rba.message")]
    [InlineData("^    score: .*$", "rba.risk_objects[0].score")]
    [InlineData("^    type: system$", "rba.risk_objects[0].type")]
    public void Parse_MissingRequiredField_ThrowsNamingIt(string line, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(RuleYaml.Edit(line, "")));
        Assert.Contains($"'{field}'", ex.Message);
    }

    [Fact]
    public void Parse_RiskObjectWithoutField_ThrowsNamingIt()
    {
        // Rename the key rather than delete the line, so the list item itself survives.
        var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(RuleYaml.Edit("^  - field: dest$", "  - name: dest")));
        Assert.Contains("'rba.risk_objects[0].field'", ex.Message);
    }

    [Fact]
    public void Parse_NoRiskObjects_ThrowsNamingThem()
    {
        var yaml = RuleYaml.Edit(@"^  risk_objects:\n  - field: dest\n    type: system\n    score: 20\n", "  risk_objects: []\n");
        var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(yaml));
        Assert.Contains("'rba.risk_objects'", ex.Message);
    }

    [Theory]
    [InlineData("^id: .*$", "id: not-a-guid", "'id'")]
    [InlineData("^version: .*$", "version: eleven", "'version'")]
    [InlineData("^version: .*$", "version: 0", "'version'")]
    [InlineData("^    score: .*$", "    score: 101", "'rba.risk_objects[0].score'")]
    [InlineData("^    score: .*$", "    score: -1", "'rba.risk_objects[0].score'")]
    [InlineData("^  - T1649$", "  - TA0006", "'tags.mitre_attack_id'")]
    public void Parse_InvalidField_ThrowsNamingFieldAndValue(string line, string replacement, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(RuleYaml.Edit(line, replacement)));
        Assert.Contains(field, ex.Message);
        Assert.Contains(replacement.Split(':', 2)[^1].Trim().TrimStart('-', ' '), ex.Message);
    }

    [Theory]
    [InlineData("name: [unclosed")]
    [InlineData("name: a\nname: b\n")]            // duplicate key
    [InlineData("- just\n- a\n- list\n")]
    [InlineData("rba: not-a-mapping\n")]
    public void Parse_UnreadableYaml_ThrowsInvalidData(string yaml)
    {
        Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(yaml));
    }

    [Theory]
    [InlineData("name: x\nrba: not-a-mapping\n", "line 2, column 6", "wrong shape")]
    [InlineData("name: [unclosed\n", "line ", "")]
    public void Parse_UnreadableYaml_SaysWhere(string yaml, string where, string what)
    {
        var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(yaml));
        Assert.Contains(where, ex.Message);
        Assert.Contains(what, ex.Message);
        Assert.DoesNotContain("System.", ex.Message);
    }

    [Fact]
    public void Parse_EmptyDocument_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.Parse(""));
    }

    [Fact]
    public void LoadFile_ReadsTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rule-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, RuleYaml.Edit("^version: 11$", "version: 13"));
        try
        {
            Assert.Equal(13, DetectionRuleLoader.LoadFile(path).Version);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_InvalidFile_NamesThePathAndField()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rule-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, RuleYaml.Edit("^id: .*$", ""));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => DetectionRuleLoader.LoadFile(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("'id'", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
