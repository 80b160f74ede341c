using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Tests.Support;

namespace CertExportGrid.Detection.Tests.Parsing;

public class ExportEventClassifierTests
{
    private static readonly WinEvent s_export = Parse.Ok(new EventXmlBuilder().Build());

    private static Classification Classify(EventXmlBuilder builder) => ExportEventClassifier.Classify(Parse.Ok(builder.Build()));

    private static void AssertIgnored(IgnoreReason reason, Classification classification)
        => Assert.Equal(reason, Assert.IsType<Classification.Ignored>(classification).Reason);

    [Fact]
    public void Classify_SpecSample_IsAcceptedWithLastSubjectName()
    {
        var ev = Assert.IsType<Classification.Accepted>(ExportEventClassifier.Classify(s_export)).Event;

        Assert.Equal("WKS-042.corp.example", ev.Dest);
        Assert.Equal("WKS-042.corp.example", ev.Subject);
        Assert.Equal(["CN=WKS-042.corp.example", "WKS-042.corp.example"], ev.SubjectNames);
        Assert.Equal(new DateTime(2026, 5, 4, 14, 7, 33, DateTimeKind.Utc).AddTicks(5_127_481), ev.TimeCreatedUtc);
        Assert.Equal("2026-05-04T14:07:33", SystemTime.ToSplunk(ev.TimeCreatedUtc));
        Assert.Equal(LifecycleChannel.System, ev.Channel);
        Assert.Equal(ExportEventClassifier.SystemChannel, ev.ChannelText);
        Assert.Equal(2048L, ev.RecordId);
        Assert.Equal("powershell.exe", ev.ProcessName);
        Assert.Equal(@"CORP\jdoe", ev.AccountName);
        Assert.Equal("Machine", ev.Context);
        Assert.Equal("3f9a0c6e2b7d41f8a5c09e1d7b2f64a8c3e5d901", ev.Thumbprint);
        Assert.Equal("S-1-5-21-1111111111-2222222222-3333333333-1104", ev.UserSid);
        Assert.Equal(s_export.UserDataXml, ev.UserDataXml);
    }

    [Fact]
    public void Classify_UserChannel_IsAcceptedAsUser()
    {
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithChannel(ExportEventClassifier.UserChannel))).Event;
        Assert.Equal(LifecycleChannel.User, ev.Channel);
    }

    [Fact]
    public void Classify_ChannelInOtherCase_IsAcceptedAndKeptVerbatim()
    {
        const string shouting = "MICROSOFT-WINDOWS-CERTIFICATESERVICESCLIENT-LIFECYCLE-SYSTEM/OPERATIONAL";
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithChannel(shouting))).Event;
        Assert.Equal(LifecycleChannel.System, ev.Channel);
        Assert.Equal(shouting, ev.ChannelText);
    }

    [Theory]
    [InlineData("Application")]                 // custom script source logging its own 1007
    [InlineData("System")]
    [InlineData("Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Admin")]
    [InlineData(" Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational")] // not trimmed
    [InlineData("")]
    public void Classify_EventId1007FromOtherChannel_IsIgnoredOtherChannel(string channel)
    {
        AssertIgnored(IgnoreReason.OtherChannel, Classify(new EventXmlBuilder().WithChannel(channel)));
    }

    [Fact]
    public void Classify_MissingChannel_IsIgnoredOtherChannel()
    {
        AssertIgnored(IgnoreReason.OtherChannel, ExportEventClassifier.Classify(s_export with { Channel = null }));
    }

    [Theory]
    [InlineData("10070")]
    [InlineData("1006")]
    [InlineData("1001")]
    [InlineData("100")]
    [InlineData("1007x")]
    [InlineData("")]
    public void Classify_OtherEventId_IsIgnoredOtherEventId(string id)
    {
        AssertIgnored(IgnoreReason.OtherEventId, Classify(new EventXmlBuilder().WithEventId(id)));
    }

    [Fact]
    public void Classify_MissingEventId_IsIgnoredOtherEventId()
    {
        AssertIgnored(IgnoreReason.OtherEventId, ExportEventClassifier.Classify(s_export with { EventId = null }));
    }

    [Theory]
    [InlineData(" 1007 ")]
    [InlineData("\n1007\t")]
    public void Classify_EventIdWithSurroundingWhitespace_IsAccepted(string id)
    {
        Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithEventId(id)));
    }

    [Fact]
    public void Classify_EventIdWithQualifiers_IsAccepted()
    {
        Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithEventIdElement("<EventID Qualifiers='0'>1007</EventID>")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Classify_NoComputer_IsIgnoredNoComputer(string? computer)
    {
        AssertIgnored(IgnoreReason.NoComputer, Classify(new EventXmlBuilder().WithComputerMarkup(computer)));
    }

    [Fact]
    public void Classify_ComputerIsKeptVerbatim()
    {
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithComputerMarkup(" host01.CORP "))).Event;
        Assert.Equal(" host01.CORP ", ev.Dest);
    }

    [Fact]
    public void Classify_NoUserData_IsIgnoredNoUserData()
    {
        AssertIgnored(IgnoreReason.NoUserData, Classify(new EventXmlBuilder().WithoutUserData()));
    }

    [Fact]
    public void Classify_NoSubjectNames_IsIgnoredNoSubject()
    {
        AssertIgnored(IgnoreReason.NoSubject, Classify(new EventXmlBuilder().WithSubjectMarkup()));
    }

    [Fact]
    public void Classify_LastSubjectNameEmpty_IsIgnoredNoSubjectEvenIfEarlierOnesAreNot()
    {
        // xmlkv: the empty last element overwrites the field, so the stats row has no SubjectName.
        AssertIgnored(IgnoreReason.NoSubject, Classify(new EventXmlBuilder().WithSubjectMarkup("CN=host", "")));
    }

    [Fact]
    public void Classify_SeveralSubjectNames_LastWinsAndAllAreKeptInOrder()
    {
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithSubjectMarkup("CN=a", "a.corp", "a"))).Event;
        Assert.Equal("a", ev.Subject);
        Assert.Equal(["CN=a", "a.corp", "a"], ev.SubjectNames);
    }

    [Fact]
    public void Classify_MissingSystemTime_IsRejectedMissingField()
    {
        var rejected = Assert.IsType<Classification.Rejected>(Classify(new EventXmlBuilder().WithSystemTime(null)));
        Assert.Equal(RejectionCode.MissingField, rejected.Code);
        Assert.Contains("SystemTime", rejected.Message);
    }

    [Fact]
    public void Classify_UnparseableSystemTime_IsRejectedInvalidFieldNamingTheValue()
    {
        var rejected = Assert.IsType<Classification.Rejected>(Classify(new EventXmlBuilder().WithSystemTime("2024-02-30T00:00:00Z")));
        Assert.Equal(RejectionCode.InvalidField, rejected.Code);
        Assert.Contains("SystemTime", rejected.Message);
        Assert.Contains("2024-02-30T00:00:00Z", rejected.Message);
    }

    [Fact]
    public void Classify_VeryLongBadSystemTime_IsTruncatedInTheMessage()
    {
        var rejected = Assert.IsType<Classification.Rejected>(ExportEventClassifier.Classify(s_export with { SystemTime = new string('9', 10_000) }));
        Assert.Equal(RejectionCode.InvalidField, rejected.Code);
        Assert.True(rejected.Message.Length < 200, rejected.Message);
    }

    [Fact]
    public void Classify_OutOfScopeEventWithBadTime_IsIgnoredNotRejected()
    {
        AssertIgnored(IgnoreReason.OtherEventId, Classify(new EventXmlBuilder().WithEventId("1006").WithSystemTime("garbage")));
    }

    [Fact]
    public void Classify_PreParsedTime_WinsOverSystemTime()
    {
        var given = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var ev = Assert.IsType<Classification.Accepted>(ExportEventClassifier.Classify(s_export with { TimeCreatedUtc = given, SystemTime = "garbage" })).Event;
        Assert.Equal(given, ev.TimeCreatedUtc);
    }

    [Fact]
    public void Classify_PreParsedTimeWithUnspecifiedKind_IsTakenAsUtc()
    {
        var given = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Unspecified);
        var ev = Assert.IsType<Classification.Accepted>(ExportEventClassifier.Classify(s_export with { TimeCreatedUtc = given })).Event;
        Assert.Equal(DateTimeKind.Utc, ev.TimeCreatedUtc.Kind);
        Assert.Equal(given.Ticks, ev.TimeCreatedUtc.Ticks);
    }

    [Theory]
    [InlineData("12x")]
    [InlineData("-5")]
    [InlineData("99999999999999999999")]
    [InlineData("0x10")]
    public void Classify_NonNumericRecordId_IsRejectedInvalidField(string recordId)
    {
        var rejected = Assert.IsType<Classification.Rejected>(Classify(new EventXmlBuilder().WithRecordId(recordId)));
        Assert.Equal(RejectionCode.InvalidField, rejected.Code);
        Assert.Contains("EventRecordID", rejected.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Classify_AbsentRecordId_IsNull(string? recordId)
    {
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithRecordId(recordId))).Event;
        Assert.Null(ev.RecordId);
    }

    [Fact]
    public void Classify_LargeRecordId_IsParsed()
    {
        var ev = Assert.IsType<Classification.Accepted>(Classify(new EventXmlBuilder().WithRecordId("9223372036854775807"))).Event;
        Assert.Equal(long.MaxValue, ev.RecordId);
    }
}
