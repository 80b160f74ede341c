using System.Threading.Channels;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Fakes;

/// <summary>An in-memory Findings service: pages of findings, per-finding rows, a scripted subscription.</summary>
internal sealed class FakeFindingsClient : Findings.FindingsClient
{
    /// <summary>Pages returned in order; page N's token is "pN".</summary>
    public List<List<Finding>> Pages { get; init; } = [];

    public Dictionary<(string Dest, string Subject), List<SplunkRow>> Rows { get; init; } = [];

    /// <summary>What Subscribe streams; the stream ends when the channel completes.</summary>
    public Channel<SubscribeResponse> Subscription { get; } = Channel.CreateUnbounded<SubscribeResponse>();

    public List<ListFindingsRequest> ListRequests { get; } = [];

    public override AsyncUnaryCall<ListFindingsResponse> ListFindingsAsync(ListFindingsRequest request, CallOptions options)
    {
        ListRequests.Add(request.Clone());
        var index = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken[1..], System.Globalization.CultureInfo.InvariantCulture);
        var response = new ListFindingsResponse { NextPageToken = index + 1 < Pages.Count ? $"p{index + 1}" : "" };
        if (index < Pages.Count)
            response.Findings.AddRange(Pages[index]);
        return Unary(response);
    }

    public override AsyncUnaryCall<GetFindingResponse> GetFindingAsync(GetFindingRequest request, CallOptions options)
    {
        var response = new GetFindingResponse();
        if (Rows.TryGetValue((request.Dest, request.Subject), out var rows))
            response.Rows.AddRange(rows);
        return Unary(response);
    }

    public override AsyncServerStreamingCall<SubscribeResponse> Subscribe(SubscribeRequest request, CallOptions options) =>
        new(new Reader(Subscription.Reader, options.CancellationToken), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

    private static AsyncUnaryCall<T> Unary<T>(T response) =>
        new(Task.FromResult(response), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

    private sealed class Reader(ChannelReader<SubscribeResponse> source, CancellationToken callToken) : IAsyncStreamReader<SubscribeResponse>
    {
        public SubscribeResponse Current { get; private set; } = null!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callToken);
            if (!await source.WaitToReadAsync(linked.Token))
                return false;
            Current = await source.ReadAsync(linked.Token);
            return true;
        }
    }
}
