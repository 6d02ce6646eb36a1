using System.Security.Cryptography;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dispatch.Api.Tests;

/// <summary>
/// With Identity:Authority set, tokens come from an external OIDC issuer (here a small one on loopback) and sign-in is
/// refused.
/// </summary>
[Collection(RedisFixture.Collection)]
public class ExternalIssuerTests(RedisFixture redis)
{
    [Fact]
    public async Task Tokens_of_the_configured_oidc_issuer_are_accepted_and_local_sign_in_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "k1" };
        var port = RedisServer.FreePort();
        var issuer = $"http://127.0.0.1:{port}/realms/dispatch";
        var oidc = WebApplication.CreateBuilder();
        oidc.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var server = oidc.Build();
        server.MapGet(
            "/realms/dispatch/.well-known/openid-configuration",
            () => Results.Json(new Dictionary<string, string> { ["issuer"] = issuer, ["jwks_uri"] = $"{issuer}/keys" })
        );
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
        server.MapGet(
            "/realms/dispatch/keys",
            () =>
                Results.Json(
                    new
                    {
                        keys = new[]
                        {
                            new
                            {
                                kty = "RSA",
                                kid = "k1",
                                use = "sig",
                                alg = "RS256",
                                n = jwk.N,
                                e = jwk.E,
                            },
                        },
                    }
                )
        );
        await server.StartAsync();

        var cluster = await redis.SharedCluster();
        await using var api = await ApiServer.StartAsync(
            cluster,
            redis.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Identity:Authority"] = issuer,
                ["Identity:DemoUsers"] = "false",
                ["Identity:Users:0:Id"] = "sso.worker",
                ["Identity:Users:0:Role"] = "Worker",
                ["Identity:Users:0:Unit"] = "GREEN",
            }
        );
        string Token(string role, SecurityKey signing) =>
            new JsonWebTokenHandler().CreateToken(
                new SecurityTokenDescriptor
                {
                    Issuer = issuer,
                    Audience = "dispatch",
                    Expires = DateTime.UtcNow.AddMinutes(5),
                    Claims = new Dictionary<string, object>
                    {
                        ["sub"] = "sso.dispatcher",
                        ["role"] = role,
                        ["unit"] = "OPS",
                        ["name"] = "SSO user",
                    },
                    SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.RsaSha256),
                }
            );

        var me = await api.Identity.WhoAmIAsync(
            new(),
            new Metadata { { "authorization", $"Bearer {Token("Dispatcher", key)}" } }
        );
        Assert.Equal(("sso.dispatcher", "Dispatcher", "OPS"), (me.UserId, me.Role, me.Unit));

        using var stranger = RSA.Create(2048);
        var forged = await Assert.ThrowsAsync<RpcException>(() =>
            api
                .Identity.WhoAmIAsync(
                    new(),
                    new Metadata
                    {
                        {
                            "authorization",
                            $"Bearer {Token("Dispatcher", new RsaSecurityKey(stranger) { KeyId = "k1" })}"
                        },
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
        var local = await Assert.ThrowsAsync<RpcException>(() =>
            api.Identity.SignInAsync(new SignInRequest { UserId = "dispatcher", Password = "dispatch" }).ResponseAsync
        );
        Assert.Equal(StatusCode.FailedPrecondition, local.StatusCode);
        Assert.Contains(issuer, local.Status.Detail);
        await server.StopAsync();
    }
}
