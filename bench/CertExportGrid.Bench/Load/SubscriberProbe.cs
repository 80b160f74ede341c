using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Bench.Load;

/// <summary>
/// One SOC subscriber reading every live update as fast as they come (a Subscribe stream with no
/// filter). Counts updates and gaps, and hands each finding to an optional observer (latency).
/// </summary>
public sealed class SubscriberProbe : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _updates;
    private long _gaps;

    public SubscriberProbe(GrpcChannel channel, Action<Finding>? onFinding = null)
    {
        var client = new Findings.FindingsClient(channel);
        _reading = Task.Run(async () =>
        {
            try
            {
                // With a snapshot, SnapshotComplete proves the subscription is registered.
                using var call = client.Subscribe(new SubscribeRequest { IncludeSnapshot = true }, cancellationToken: _stop.Token);
                await foreach (var message in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    switch (message.KindCase)
                    {
                        case SubscribeResponse.KindOneofCase.Finding:
                            Interlocked.Increment(ref _updates);
                            onFinding?.Invoke(message.Finding);
                            break;
                        case SubscribeResponse.KindOneofCase.SnapshotComplete:
                            _connected.TrySetResult();
                            break;
                        case SubscribeResponse.KindOneofCase.Gap:
                            Interlocked.Increment(ref _gaps);
                            break;
                    }
                }
            }
            catch (Exception exception) when (_stop.IsCancellationRequested && exception is OperationCanceledException or RpcException)
            {
                // Stopped by us.
            }
            catch (Exception exception)
            {
                _connected.TrySetException(exception);
                throw;
            }
        });
    }

    public long Updates => Interlocked.Read(ref _updates);

    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Completes once the server has registered the subscription (its snapshot is complete).</summary>
    public Task Connected => _connected.Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException)
        {
            // The stream ended with the server.
        }

        _stop.Dispose();
    }
}
