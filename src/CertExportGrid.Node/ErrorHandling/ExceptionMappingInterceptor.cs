using CertExportGrid.Node.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CertExportGrid.Node.ErrorHandling;

/// <summary>
/// The one place where unexpected exceptions become deliberate status codes, so a client never
/// sees UNKNOWN: cluster and storage trouble is UNAVAILABLE (retryable), the rest INTERNAL.
/// </summary>
public sealed class ExceptionMappingInterceptor(ILogger<ExceptionMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }

        NodeLog.CallFailed(logger, exception, context.Method);
        return exception switch
        {
            OrleansException or TimeoutException or OperationCanceledException =>
                new RpcException(new Status(StatusCode.Unavailable, $"The cluster is unavailable, retry later: {exception.Message}")),
            _ => new RpcException(new Status(StatusCode.Internal, $"Internal error ({exception.GetType().Name}); see the server log.")),
        };
    }
}
