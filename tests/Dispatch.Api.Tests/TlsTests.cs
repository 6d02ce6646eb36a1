using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.Api.Tests;

/// <summary>TLS from a configured certificate on the API and ingest, and client certificates for gateways.</summary>
[Collection(RedisFixture.Collection)]
public sealed class TlsTests(RedisFixture redis) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A certificate authority of the test's own, valid for two days (longer than what it issues).</summary>
    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true)
        );
        var now = DateTimeOffset.UtcNow;
        return Reloaded(request.CreateSelfSigned(now.AddHours(-2), now.AddDays(2)));
    }

    /// <summary>A certificate issued by <paramref name="authority"/>: for loopback (a server), or a client.</summary>
    private static X509Certificate2 Issue(X509Certificate2 authority, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false)
        );
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(authority, now.AddHours(-1), now.AddDays(1), serial);
        return Reloaded(issued.CopyWithPrivateKey(key));
    }

    /// <summary>The certificate with its key as a file gives it (an ephemeral key fails some TLS stacks).</summary>
    private static X509Certificate2 Reloaded(X509Certificate2 certificate)
    {
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// A client that trusts <paramref name="authority"/> only and shows <paramref name="client"/>, if any.
    /// </summary>
    private static SocketsHttpHandler Handler(
        X509Certificate2 authority,
        X509Certificate2? client,
        List<X509Certificate2> seen
    ) =>
        new()
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = client is null ? null : [client],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                        return false;
                    var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen.Add(presented);
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(presented);
                },
            },
        };

    [Fact]
    public async Task The_api_serves_tls_only_from_a_configured_pem_certificate()
    {
        using var authority = Authority("Dispatch test CA");
        using var server = Issue(authority, "api.test", server: true);
        var certificate = Write("api.crt", server.ExportCertificatePem());
        var key = Write("api.key", server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var (grpcPort, httpPort) = (RedisServer.FreePort(), RedisServer.FreePort());
        var settings = new Dictionary<string, string?>
        {
            ["Api:GrpcPort"] = $"{grpcPort}",
            ["Api:HttpPort"] = $"{httpPort}",
            ["Tls:Certificate"] = certificate,
            ["Tls:Key"] = key,
        };
        await using var api = await ApiServer.StartAsync(await redis.SharedCluster(), redis.ConnectionString, settings);
        var seen = new List<X509Certificate2>();

        using var https = new HttpClient(Handler(authority, null, seen));
        var services = await https.GetAsync($"https://127.0.0.1:{httpPort}/open311/v2/services.json");
        using var channel = GrpcChannel.ForAddress(
            $"https://127.0.0.1:{grpcPort}",
            new GrpcChannelOptions { HttpHandler = Handler(authority, null, seen) }
        );
        var signedIn = await new Identity.IdentityClient(channel).SignInAsync(
            new SignInRequest { UserId = "dispatcher", Password = ApiServer.Password }
        );

        Assert.Equal(HttpStatusCode.OK, services.StatusCode);
        Assert.NotEmpty(signedIn.Token);
        Assert.NotEmpty(seen);
        Assert.All(seen, s => Assert.Equal(server.Thumbprint, s.Thumbprint));
        using var plain = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() =>
            plain.GetAsync($"http://127.0.0.1:{httpPort}/open311/v2/services.json")
        );
    }

    [Fact]
    public async Task Gateways_can_be_required_to_present_a_certificate_of_the_district_s_authority()
    {
        using var authority = Authority("Dispatch test CA");
        using var stranger = Authority("Someone else's CA");
        using var server = Issue(authority, "ingest.test", server: true);
        var pfx = Path.Combine(_folder, "ingest.pfx");
        await File.WriteAllBytesAsync(pfx, server.Export(X509ContentType.Pfx, "pfx-password"));
        var port = RedisServer.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Ingest:Port"] = $"{port}",
            ["Tls:Certificate"] = pfx,
            ["Tls:Password"] = "pfx-password",
            ["Ingest:ClientCertificates"] = "required",
            ["Tls:ClientAuthority"] = Write("gateways-ca.crt", authority.ExportCertificatePem()),
        };
        var cluster = await redis.SharedCluster();
        await using var ingest = await IngestServer.StartAsync(cluster, redis.ConnectionString, settings);
        using var gateway = Issue(authority, "gw-tls", server: false);
        using var impostor = Issue(stranger, "gw-tls", server: false);
        var seen = new List<X509Certificate2>();

        async Task<string> RegisterAsync(X509Certificate2? client)
        {
            using var channel = GrpcChannel.ForAddress(
                $"https://127.0.0.1:{port}",
                new GrpcChannelOptions { HttpHandler = Handler(authority, client, seen) }
            );
            var registry = new DeviceRegistry.DeviceRegistryClient(channel);
            var request = new RegisterGatewayRequest { GatewayId = $"gw-tls-{Guid.NewGuid():N}"[..16], Name = "TLS" };
            var registered = await registry.RegisterGatewayAsync(request, IngestServer.Admin);
            return registered.Secret;
        }

        Assert.NotEmpty(await RegisterAsync(gateway));
        var without = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(null));
        var foreign = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(impostor));
        // The handshake fails (with TLS 1.3 the client learns it only when it sends: a connection error).
        StatusCode[] failed = [StatusCode.Unavailable, StatusCode.Internal];
        Assert.All([without, foreign], e => Assert.Contains(e.StatusCode, failed));
        Assert.All(seen, s => Assert.Equal(server.Thumbprint, s.Thumbprint));
    }
}
