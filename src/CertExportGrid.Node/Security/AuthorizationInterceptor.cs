using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CertExportGrid.Node.Security;

/// <summary>
/// Authenticates and authorizes every gRPC call before its handler runs (grpc.health.v1 stays
/// anonymous). A call without valid credentials ends UNAUTHENTICATED, one with the wrong role
/// PERMISSION_DENIED, each with a message saying what to do, a log line naming the caller (never
/// its secret) and a metric. The caller is kept on the HttpContext for the services (provenance,
/// host binding, audit).
/// </summary>
public sealed class AuthorizationInterceptor(CallerAuthenticator authenticator, SecurityMetrics metrics, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var required = RoleNames.Required(context.Method);
        if (required is null)
        {
            return;
        }

        var http = context.GetHttpContext();
        var service = ServiceOf(context.Method);
        var result = authenticator.Authenticate(http);
        if (result.Caller is not { } caller)
        {
            metrics.Denied("unauthenticated", service);
            SecurityLog.Unauthenticated(logger, context.Method, context.Peer, result.Failure!, result.Presented ?? "nothing presented");
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"{context.Method}: {result.Failure}."));
        }

        if (!caller.Has(required.Value))
        {
            var needs = string.Join(",", RoleNames.Of(required.Value));
            var has = string.Join(",", RoleNames.Of(caller.Roles));
            metrics.Denied("permission_denied", service);
            SecurityLog.PermissionDenied(logger, context.Method, caller.Name, context.Peer, needs, has);
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method} needs the '{needs}' role; identity '{caller.Name}' has '{has}'."));
        }

        CallerAccessor.Set(http, caller);
    }

    private static string ServiceOf(string method)
    {
        var end = method.IndexOf('/', 1);
        return end > 1 ? method[1..end] : method;
    }
}

/// <summary>Where the interceptor leaves the caller for the services.</summary>
public static class CallerAccessor
{
    private static readonly object Key = new();

    public static void Set(HttpContext http, Caller caller) => http.Items[Key] = caller;

    /// <summary>The authenticated caller of this call; fails closed when the interceptor did not run.</summary>
    public static Caller Get(ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(Key, out var caller) && caller is Caller known
            ? known
            : throw new InvalidOperationException("No authenticated caller recorded for this call (the authorization interceptor is not registered).");
}
