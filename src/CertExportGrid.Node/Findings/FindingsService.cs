using System.Text;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;
using CertExportGrid.Node.Diagnostics;
using Grpc.Core;

namespace CertExportGrid.Node.Findings;

/// <summary>The SOC tools' endpoint: live updates, listing, and one finding with its Splunk rows.</summary>
public sealed class FindingsService(
    FindingsBroadcaster broadcaster,
    FindingsQuery query,
    IHostApplicationLifetime lifetime,
    NodeMetrics metrics,
    ILogger<FindingsService> logger) : Contracts.V1.Findings.FindingsBase
{
    private const int DefaultPageSize = 1_000;
    private const int MaxPageSize = 10_000;

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<SubscribeResponse> grpcStream, ServerCallContext context)
    {
        var responseStream = new BufferedFindingsWriter(grpcStream, context);
        // A subscription ends when the client leaves or the server starts stopping, so shutdown
        // never waits on open streams; the client sees UNAVAILABLE and reconnects elsewhere.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellationToken = linked.Token;
        var matcher = new FindingMatcher(request.Filter, request.IncludeSuppressed);
        var resumeAfter = ParseResumePosition(request.ResumeFrom);
        // Registered before any snapshot is read, so no update falls between the two.
        var (subscriber, registeredAt, resumed) = broadcaster.Add(matcher, resumeAfter);
        NodeLog.SubscriberConnected(logger, subscriber.Id, request.IncludeSnapshot);
        // Versions already sent per key: a subscriber never sees a finding go backwards, even when
        // an update produced before the snapshot is delivered after it.
        var sent = new Dictionary<FindingKey, long>();
        try
        {
            if (request.ResumeFrom.Length > 0 && !resumed)
            {
                await responseStream.WriteAsync(new SubscribeResponse
                {
                    ResumeExpired = new ResumeExpired
                    {
                        Requested = request.ResumeFrom,
                        Reason = "position no longer held by this gateway (too old, or the gateway restarted)",
                    },
                }, cancellationToken);
                await SendSnapshotAsync(matcher, registeredAt, sent, responseStream, cancellationToken);
            }
            else if (request.ResumeFrom.Length == 0 && request.IncludeSnapshot)
            {
                await SendSnapshotAsync(matcher, registeredAt, sent, responseStream, cancellationToken);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                // Flush only when about to wait: a burst of queued updates shares one socket write,
                // and nothing written stays buffered while no further update comes (a filtered
                // subscription catching up from the log can find nothing more to send).
                var next = subscriber.NextAsync(cancellationToken);
                if (!next.IsCompleted)
                {
                    await responseStream.FlushAsync(cancellationToken);
                }

                var item = await next;
                if (item.IsGap)
                {
                    NodeLog.SubscriberGap(logger, subscriber.Id, item.Dropped);
                    metrics.UpdatesDropped(item.Dropped);
                    await responseStream.WriteAsync(new SubscribeResponse
                    {
                        Gap = new Gap { Dropped = (ulong)item.Dropped, Reason = "subscriber fell further behind than this gateway's update log holds" },
                    }, cancellationToken);
                    await SendSnapshotAsync(matcher, item.Sequence, sent, responseStream, cancellationToken);
                    continue;
                }

                await SendIfNewerAsync(item, sent, responseStream, cancellationToken);
            }
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or InvalidOperationException)
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down; subscribe again with your last position (to another gateway if there is one)."));
            }

            // Otherwise the client left: the normal end of a subscription.
        }
        finally
        {
            broadcaster.Remove(subscriber);
            NodeLog.SubscriberDisconnected(logger, subscriber.Id);
        }
    }

    public override async Task<ListFindingsResponse> ListFindings(ListFindingsRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize == 0 ? DefaultPageSize : (int)Math.Min(request.PageSize, MaxPageSize);
        var matcher = new FindingMatcher(request.Filter, request.IncludeSuppressed);
        var keys = await query.MatchingKeysAsync(matcher, context.CancellationToken);
        var start = 0;
        if (request.PageToken.Length > 0)
        {
            var after = DecodePageToken(request.PageToken);
            start = FirstAfter(keys, after);
        }

        var page = keys.Skip(start).Take(pageSize).ToList();
        var findings = await query.FetchAsync(page, includeRows: false, context.CancellationToken);
        var response = new ListFindingsResponse();
        // A page may hold fewer than page_size findings when suppressed ones are left out.
        response.Findings.AddRange(findings.Where(matcher.Matches).Select(FindingMapper.ToProto));
        if (start + page.Count < keys.Count)
        {
            response.NextPageToken = EncodePageToken(page[^1]);
        }

        return response;
    }

    public override async Task<GetFindingResponse> GetFinding(GetFindingRequest request, ServerCallContext context)
    {
        if (request.Dest.Length == 0 || request.Subject.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Both 'dest' and 'subject' are required (exact, case-sensitive values)."));
        }

        var key = new FindingKey(request.Dest, request.Subject);
        var found = await query.FetchAsync([key], includeRows: true, context.CancellationToken);
        if (found.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No finding for dest '{request.Dest}' and subject '{request.Subject}'."));
        }

        var snapshot = found[0];
        var response = new GetFindingResponse { Finding = FindingMapper.ToProto(snapshot) };
        response.Rows.AddRange(snapshot.Rows.Select(row => FindingMapper.ToProto(snapshot, row)));
        return response;
    }

    /// <summary>
    /// Sends every current finding, then SnapshotComplete carrying the position the snapshot covers:
    /// it was read after every update up to <paramref name="coversSequence"/> reached this gateway.
    /// </summary>
    private async Task SendSnapshotAsync(FindingMatcher matcher, long coversSequence, Dictionary<FindingKey, long> sent, IServerStreamWriter<SubscribeResponse> stream, CancellationToken cancellationToken)
    {
        // Every update logged before the reads start is already persisted in the grains, so the
        // snapshot covers at least that far: resuming from here never repeats them.
        coversSequence = Math.Max(coversSequence, broadcaster.Log.Newest);
        var keys = await query.MatchingKeysAsync(matcher, cancellationToken);
        var findings = (await query.FetchAsync(keys, includeRows: false, cancellationToken)).Where(matcher.Matches).ToList();
        foreach (var finding in findings)
        {
            // During a resync the snapshot is authoritative, even for keys sent before.
            sent[new FindingKey(finding.Dest, finding.Subject)] = finding.Version;
            await stream.WriteAsync(new SubscribeResponse { Finding = FindingMapper.ToProto(finding) }, cancellationToken);
        }

        await stream.WriteAsync(new SubscribeResponse
        {
            SnapshotComplete = new SnapshotComplete { Count = (ulong)findings.Count },
            Position = broadcaster.Log.PositionOf(coversSequence),
        }, cancellationToken);
    }

    private async Task SendIfNewerAsync(SubscriberItem item, Dictionary<FindingKey, long> sent, IServerStreamWriter<SubscribeResponse> stream, CancellationToken cancellationToken)
    {
        var update = item.Update!;
        var key = new FindingKey(update.Dest, update.Subject);
        if (sent.TryGetValue(key, out var version) && update.Version <= version)
        {
            return;
        }

        sent[key] = update.Version;
        metrics.UpdateDelivered();
        await stream.WriteAsync(new SubscribeResponse
        {
            Finding = FindingMapper.ToProto(update),
            Position = broadcaster.Log.PositionOf(item.Sequence),
        }, cancellationToken);
    }

    /// <summary>Null for no resume; -1 for a position of another epoch (reported as expired).</summary>
    private long? ParseResumePosition(string position)
    {
        if (position.Length == 0)
        {
            return null;
        }

        return broadcaster.Log.SequenceOf(position)
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, $"resume_from '{position}' is not a position this service issued (expected EPOCH.SEQUENCE)."));
    }

    private static int FirstAfter(IReadOnlyList<FindingKey> keys, FindingKey after)
    {
        var index = 0;
        while (index < keys.Count && FindingsQuery.KeyOrder.Instance.Compare(keys[index], after) <= 0)
        {
            index++;
        }

        return index;
    }

    private static string EncodePageToken(FindingKey last) => Convert.ToBase64String(Encoding.UTF8.GetBytes(last.Encode()));

    private static FindingKey DecodePageToken(string token)
    {
        try
        {
            if (FindingKey.TryDecode(Encoding.UTF8.GetString(Convert.FromBase64String(token)), out var key))
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not a token returned by ListFindings."));
    }
}
