using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.ServiceDefaults;

/// <summary>
/// Where a Dispatch host listens and how, in one place, read from configuration:
/// <list type="bullet">
/// <item><c>{Service}:Listen</c> (<c>Ingest:Listen</c>, <c>Api:Listen</c>): <c>loopback</c> or <c>any</c> (every
/// interface); each service has its default, and the embedded default sets loopback for all.</item>
/// <item><c>Tls:Certificate</c>: the server's certificate, a PEM file (its private key in <c>Tls:Key</c>, or in the
/// same file) or a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>); <c>Tls:Password</c>: the PKCS#12 file's password, or an
/// encrypted PEM key's. When set, the public ports serve TLS only (gRPC as HTTP/2 negotiated by ALPN).</item>
/// <item><c>{Service}:ClientCertificates</c> (ingest: gateways): <c>none</c> (the default), <c>optional</c> (a
/// certificate presented must be issued by <c>Tls:ClientAuthority</c>, a PEM file of CA certificates; a caller
/// without one may still call) or <c>required</c> (no connection without such a certificate). It adds to the
/// gateway's signed metadata, which still names the gateway; it needs <c>Tls:Certificate</c>.</item>
/// <item><c>Management:Port</c> (0: none) and <c>Management:Listen</c> (<c>loopback</c> by default): plain HTTP/1.1
/// for operators and scrapers. <c>/metrics</c> is answered only there and on a service's probe port (ingest's
/// <c>Ingest:HttpPort</c>), never on a public port.</item>
/// </list>
/// No answer names the server (no <c>Server</c> header).
/// </summary>
public static class Endpoints
{
    /// <summary>Paths answered only on the management and probe ports.</summary>
    public static readonly string[] ManagementPaths = ["/metrics", "/dashboard"];

    /// <summary>A port the host listens on.</summary>
    /// <param name="Port">0: not at all.</param>
    /// <param name="Protocols">HTTP/2 for gRPC, HTTP/1.1 for browsers.</param>
    /// <param name="Probe">A port for probes and scrapers in the deployment: plain HTTP, never TLS; metrics.</param>
    public readonly record struct Listener(int Port, HttpProtocols Protocols, bool Probe);

    /// <summary>A public port: TLS when <c>Tls:Certificate</c> is set.</summary>
    public static Listener Public(int port, HttpProtocols protocols) => new(port, protocols, Probe: false);

    /// <summary>A port for probes and scrapers (health, metrics): plain HTTP/1.1.</summary>
    public static Listener Probes(int port) => new(port, HttpProtocols.Http1, Probe: true);

    /// <summary>
    /// Listens on <paramref name="listeners"/> as <paramref name="service"/>'s settings say (see the type's summary),
    /// and on the management port once, whichever service asks first.
    /// </summary>
    public static WebApplicationBuilder ListenDispatch(
        this WebApplicationBuilder builder,
        string service,
        bool loopbackByDefault,
        params Listener[] listeners
    )
    {
        var configuration = builder.Configuration;
        var loopback = Loopback(configuration, $"{service}:Listen", loopbackByDefault);
        var certificate = Certificate(configuration);
        var clients = ClientCertificates(configuration, service, certificate);
        var management = ManagementPorts(builder.Services, configuration, listeners);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var listener in listeners.Where(l => l.Port > 0))
            {
                Listen(
                    kestrel,
                    listener.Port,
                    loopback,
                    options =>
                    {
                        options.Protocols = listener.Protocols;
                        if (certificate is not null && !listener.Probe)
                            options.UseHttps(Https(certificate, clients));
                    }
                );
            }
            if (management.Owner && management.Port > 0)
            {
                Listen(
                    kestrel,
                    management.Port,
                    Loopback(configuration, "Management:Listen", true),
                    options => options.Protocols = HttpProtocols.Http1
                );
            }
        });
        return builder;
    }

    private static void Listen(KestrelServerOptions kestrel, int port, bool loopback, Action<ListenOptions> configure)
    {
        if (loopback)
            kestrel.ListenLocalhost(port, configure);
        else
            kestrel.ListenAnyIP(port, configure);
    }

    private static bool Loopback(IConfiguration configuration, string key, bool byDefault) =>
        configuration[key] switch
        {
            null or "" => byDefault,
            "loopback" => true,
            "any" => false,
            var other => throw new InvalidOperationException($"{key}: '{other}' is neither loopback nor any"),
        };

    /// <summary>The ports where <see cref="ManagementPaths"/> are answered, shared by the host's services.</summary>
    private sealed class ManagementPortSet
    {
        public HashSet<int> Ports { get; } = [];
    }

    /// <summary>
    /// Records this service's probe ports and the management port as those that answer the management paths; the
    /// first service of the host also opens the management port, and guards the paths on every other port.
    /// </summary>
    private static (bool Owner, int Port) ManagementPorts(
        IServiceCollection services,
        IConfiguration configuration,
        Listener[] listeners
    )
    {
        var existing = services.FirstOrDefault(s => s.ServiceType == typeof(ManagementPortSet))?.ImplementationInstance;
        var set = existing as ManagementPortSet ?? new ManagementPortSet();
        var port = configuration.GetValue("Management:Port", 0);
        if (port > 0)
            set.Ports.Add(port);
        foreach (var probe in listeners.Where(l => l.Probe && l.Port > 0))
            set.Ports.Add(probe.Port);
        if (existing is not null)
            return (false, port);
        services.AddSingleton(set);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, ManagementGuard>());
        return (true, port);
    }

    /// <summary>Answers the management paths with 404 on every port but the management and probe ports.</summary>
    private sealed class ManagementGuard(ManagementPortSet management) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
            app =>
            {
                app.Use(
                    async (context, proceed) =>
                    {
                        if (
                            ManagementPaths.Any(p => context.Request.Path.StartsWithSegments(p))
                            && !management.Ports.Contains(context.Connection.LocalPort)
                        )
                        {
                            context.Response.StatusCode = StatusCodes.Status404NotFound;
                            return;
                        }
                        await proceed(context);
                    }
                );
                next(app);
            };
    }

    /// <summary>
    /// The server's certificate from <c>Tls:Certificate</c> (and <c>Tls:Key</c>, <c>Tls:Password</c>), or null when
    /// none is set.
    /// </summary>
    public static X509Certificate2? Certificate(IConfiguration configuration)
    {
        var tls = configuration.GetSection("Tls");
        if (tls["Certificate"] is not { Length: > 0 } path)
            return null;
        var password = tls["Password"] is { Length: > 0 } p ? p : null;
        try
        {
            if (Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12")
                return X509CertificateLoader.LoadPkcs12FromFile(path, password);
            var key = tls["Key"] is { Length: > 0 } k ? k : path;
            return password is null
                ? X509Certificate2.CreateFromPemFile(path, key)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, key);
        }
        catch (Exception e) when (e is IOException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Tls:Certificate: cannot load the certificate and its key from {path}: {e.Message}",
                e
            );
        }
    }

    /// <summary>What <c>{service}:ClientCertificates</c> asks for, with the authorities that issue them.</summary>
    private sealed record ClientPolicy(ClientCertificateMode Mode, X509Certificate2Collection Authorities);

    private static ClientPolicy ClientCertificates(
        IConfiguration configuration,
        string service,
        X509Certificate2? server
    )
    {
        var key = $"{service}:ClientCertificates";
        var mode = configuration[key] switch
        {
            null or "" or "none" => ClientCertificateMode.NoCertificate,
            "optional" => ClientCertificateMode.AllowCertificate,
            "required" => ClientCertificateMode.RequireCertificate,
            var other => throw new InvalidOperationException($"{key}: '{other}' is not none, optional or required"),
        };
        var authorities = new X509Certificate2Collection();
        if (mode == ClientCertificateMode.NoCertificate)
            return new ClientPolicy(mode, authorities);
        if (server is null)
            throw new InvalidOperationException($"{key}: client certificates need TLS; set Tls:Certificate");
        if (configuration["Tls:ClientAuthority"] is not { Length: > 0 } authority)
            throw new InvalidOperationException($"{key}: set Tls:ClientAuthority to the CA certificates issuing them");
        authorities.ImportFromPemFile(authority);
        if (authorities.Count == 0)
            throw new InvalidOperationException($"Tls:ClientAuthority: {authority} holds no certificate");
        return new ClientPolicy(mode, authorities);
    }

    private static HttpsConnectionAdapterOptions Https(X509Certificate2 certificate, ClientPolicy clients) =>
        new()
        {
            ServerCertificate = certificate,
            ClientCertificateMode = clients.Mode,
            ClientCertificateValidation = (presented, _, _) => IssuedBy(presented, clients.Authorities),
        };

    /// <summary>
    /// Whether the client's certificate chains to one of the authorities (and to nothing else) and may authenticate a
    /// client.
    /// </summary>
    private static bool IssuedBy(X509Certificate2 presented, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        return chain.Build(presented);
    }
}
