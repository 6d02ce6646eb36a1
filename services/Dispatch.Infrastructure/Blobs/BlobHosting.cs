using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.Infrastructure.Blobs;

/// <summary>
/// The blob store a host uses (section <c>Blobs</c>): <c>Blobs:Store</c> = <c>directory</c> (the default; a folder,
/// <c>Blobs:Directory</c>, by default <c>&lt;repository&gt;/.data/archive</c>) or <c>s3</c> (<c>Blobs:S3:*</c>, see
/// <see cref="S3BlobOptions"/>). Either way every name lies under the deployment's service id, so deployments can share
/// a folder or a bucket as they can share a Redis.
/// </summary>
public static class BlobHosting
{
    public static IServiceCollection AddDispatchBlobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => Open(configuration));
        return services;
    }

    /// <summary>The blob store <paramref name="configuration"/> describes.</summary>
    public static IBlobStore Open(IConfiguration configuration)
    {
        var (_, serviceId) = ClusterIdentity.Read(configuration);
        var section = configuration.GetSection("Blobs");
        var kind = section["Store"] is { Length: > 0 } configured ? configured.Trim().ToLowerInvariant() : "directory";
        return kind switch
        {
            "directory" => new DirectoryBlobStore(
                Path.Combine(
                    section["Directory"] is { Length: > 0 } folder
                        ? folder
                        : Path.Combine(DispatchStore.RepositoryRoot(), ".data", "archive"),
                    BlobName.Check(serviceId)
                )
            ),
            "s3" => new S3BlobStore(section.GetSection("S3").Get<S3BlobOptions>() ?? new S3BlobOptions(), serviceId),
            _ => throw new InvalidOperationException($"Blobs:Store: '{kind}' is not one of directory, s3"),
        };
    }
}
