using CertExportGrid.Cli.Delivery;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Delivery;

public class ReconnectPolicyTests
{
    private static readonly ReconnectPolicy Policy = new() { InitialBackoff = TimeSpan.FromMilliseconds(250), MaxBackoff = TimeSpan.FromSeconds(10) };

    [Theory]
    [InlineData(1, 125, 250)]
    [InlineData(2, 250, 500)]
    [InlineData(3, 500, 1000)]
    [InlineData(6, 4000, 8000)]
    [InlineData(7, 5000, 10000)]
    [InlineData(1000, 5000, 10000)]
    public void Delay_DoublesPerFailureUpToTheCap_WithEqualJitter(int failures, double lowMs, double highMs)
    {
        Assert.Equal(lowMs, Policy.Delay(failures, jitter: 0).TotalMilliseconds, precision: 6);
        Assert.Equal(highMs, Policy.Delay(failures, jitter: 1).TotalMilliseconds, precision: 6);
        Assert.Equal((lowMs + highMs) / 2, Policy.Delay(failures, jitter: 0.5).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void Delay_RetryAfter_IsHonouredEvenAboveTheCap()
    {
        Assert.Equal(30_000, Policy.Delay(1, jitter: 0, retryAfter: TimeSpan.FromSeconds(30)).TotalMilliseconds, precision: 6);
        Assert.Equal(33_000, Policy.Delay(1, jitter: 1, retryAfter: TimeSpan.FromSeconds(30)).TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "Reconnect")]
    [InlineData(StatusCode.DeadlineExceeded, "Reconnect")]
    [InlineData(StatusCode.Internal, "Reconnect")]
    [InlineData(StatusCode.Aborted, "Reconnect")]
    [InlineData(StatusCode.ResourceExhausted, "SplitBatch")]
    [InlineData(StatusCode.InvalidArgument, "Fail")]
    [InlineData(StatusCode.PermissionDenied, "Fail")]
    [InlineData(StatusCode.Unimplemented, "Fail")]
    [InlineData(StatusCode.Unknown, "Fail")]
    public void Classify_StatusCode_GivesTheAction(StatusCode code, string expected)
    {
        Assert.Equal(expected, StreamFailures.Classify(new Status(code, "x"), null).Action.ToString());
    }

    [Fact]
    public void Classify_ResourceExhaustedWithRetryAfter_IsOverloadNotSize()
    {
        var failure = StreamFailures.Classify(new Status(StatusCode.ResourceExhausted, "busy"), new Metadata { { "retry-after-ms", "750" } });

        Assert.Equal((FailureAction.Reconnect, TimeSpan.FromMilliseconds(750)), (failure.Action, failure.RetryAfter));
    }

    [Fact]
    public void Classify_UnavailableWithRetryAfter_CarriesTheHint()
    {
        var failure = StreamFailures.Classify(new Status(StatusCode.Unavailable, "too many streams"), new Metadata { { "retry-after-ms", "2000" } });

        Assert.Equal((FailureAction.Reconnect, TimeSpan.FromSeconds(2)), (failure.Action, failure.RetryAfter));
    }

    [Fact]
    public void Classify_ServersTooManyEventsMessage_HalvesWithItsLimit()
    {
        var failure = StreamFailures.Classify(
            new Status(StatusCode.InvalidArgument, "Batch '7' has 600 events; the limit is 250 (CertExportGrid:Ingest:MaxEventsPerBatch). Send smaller batches."), null);

        Assert.Equal((FailureAction.HalveBatchSize, (int?)250), (failure.Action, failure.EventLimit));
    }
}
