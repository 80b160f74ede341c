namespace CertExportGrid.Node.Security;

/// <summary>The roles, and which gRPC service needs which.</summary>
[Flags]
public enum Roles
{
    None = 0,

    /// <summary>Collectors: Ingest.*.</summary>
    Ingest = 1,

    /// <summary>SOC tools: Findings.*.</summary>
    Read = 2,

    /// <summary>Operators: Admin.* (suppression rules, configuration view).</summary>
    Admin = 4,

    All = Ingest | Read | Admin,
}

public static class RoleNames
{
    public static bool TryParse(string name, out Roles role)
    {
        role = name.Trim().ToLowerInvariant() switch
        {
            "ingest" => Roles.Ingest,
            "read" => Roles.Read,
            "admin" => Roles.Admin,
            _ => Roles.None,
        };
        return role != Roles.None;
    }

    public static IEnumerable<string> Of(Roles roles)
    {
        if (roles.HasFlag(Roles.Ingest))
        {
            yield return "ingest";
        }

        if (roles.HasFlag(Roles.Read))
        {
            yield return "read";
        }

        if (roles.HasFlag(Roles.Admin))
        {
            yield return "admin";
        }
    }

    /// <summary>
    /// The role a gRPC method needs, from its path (/package.Service/Method); null for the anonymous
    /// health and reflection services (reflection describes only the public API, so grpcurl can list
    /// it; every call it leads to is authorized as usual). Anything unknown needs every role.
    /// </summary>
    public static Roles? Required(string method)
    {
        if (method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
            || method.StartsWith("/grpc.reflection.v1alpha.ServerReflection/", StringComparison.Ordinal)
            || method.StartsWith("/grpc.reflection.v1.ServerReflection/", StringComparison.Ordinal))
        {
            return null;
        }

        return method switch
        {
            _ when method.StartsWith("/certexportgrid.v1.Ingest/", StringComparison.Ordinal) => Roles.Ingest,
            _ when method.StartsWith("/certexportgrid.v1.Findings/", StringComparison.Ordinal) => Roles.Read,
            _ when method.StartsWith("/certexportgrid.v1.Admin/", StringComparison.Ordinal) => Roles.Admin,
            _ => Roles.All,
        };
    }
}
