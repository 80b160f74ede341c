namespace CertExportGrid.Node.Security;

/// <summary>What the listen-address check needs to know about credentials and TLS, from raw configuration.</summary>
public static class ListenPolicy
{
    /// <summary>True when at least one API key or client certificate mapping is configured.</summary>
    public static bool HasCredentials(IConfiguration configuration)
    {
        var section = configuration.GetSection(SecurityOptions.Section);
        return section.GetSection("ApiKeys").GetChildren().Any() || section.GetSection("ClientCertificates").GetChildren().Any();
    }

    /// <summary>True when Kestrel has a default certificate (used by https --urls and endpoints without their own).</summary>
    public static bool HasDefaultCertificate(IConfiguration configuration) => HasCertificate(configuration.GetSection("Kestrel:Certificates:Default"));

    /// <summary>True when a Kestrel endpoint section names a certificate (Path or Subject).</summary>
    public static bool HasCertificate(IConfigurationSection certificate) =>
        !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);

    public const string HowTo =
        "To listen beyond loopback, configure credentials (CertExportGrid:Security:ApiKeys or ClientCertificates; `certexportgrid keygen` makes a key) " +
        "AND TLS for that endpoint (an https:// URL with Kestrel:Certificates:Default:Path, or Kestrel:Endpoints:NAME:Url + :Certificate:Path); see docs/security.md.";
}
