using CertExportGrid.Detection.Rules;

namespace CertExportGrid.Detection.Tests.Rules;

public class DetectionRuleTests
{
    private static readonly DetectionRule s_rule = DetectionRuleLoader.LoadDefault();

    [Fact]
    public void FormatMessage_FillsDestVerbatim()
    {
        Assert.Equal("An certificate was exported on WKS-042.corp.example from the Windows Certificate Store.",
            s_rule.FormatMessage("WKS-042.corp.example"));
    }

    [Fact]
    public void FormatMessage_DestContainingPlaceholder_IsNotExpandedAgain()
    {
        Assert.Equal("An certificate was exported on $dest$|x from the Windows Certificate Store.", s_rule.FormatMessage("$dest$|x"));
    }

    [Fact]
    public void FormatMessage_EveryPlaceholderIsFilled()
    {
        var rule = s_rule with { RiskMessageTemplate = "$dest$ and $dest$ but not $subject$" };
        Assert.Equal("H and H but not $subject$", rule.FormatMessage("H"));
    }
}
