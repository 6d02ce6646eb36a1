using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Dispatch.Infrastructure.Blobs;

/// <summary>Where an S3-compatible object store is and how to sign in (section <c>Blobs:S3</c>).</summary>
public sealed record S3BlobOptions
{
    /// <summary>The bucket; it must exist.</summary>
    public string Bucket { get; init; } = "";

    /// <summary>
    /// An S3-compatible endpoint (MinIO, Ceph, a cloud's object storage); empty: AWS itself, by <see cref="Region"/>.
    /// </summary>
    public string ServiceUrl { get; init; } = "";
    public string Region { get; init; } = "us-east-1";

    /// <summary>Keys of the account; empty: the SDK's own chain (environment, profile, instance role).</summary>
    public string AccessKey { get; init; } = "";
    public string SecretKey { get; init; } = "";

    /// <summary>
    /// Bucket in the path (<c>host/bucket/key</c>) rather than in the host name: what most compatible servers want.
    /// </summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>
    /// Send payloads in one piece with their checksum in a header rather than as signed chunks; compatible servers that
    /// do not know chunked signing (s3rver, older MinIO) need this.
    /// </summary>
    public bool UnchunkedUploads { get; init; } = true;
}

/// <summary>
/// Blobs as objects in an S3-compatible bucket, through the AWS SDK. A PUT is atomic and durable when S3 answers it,
/// which is what <see cref="IBlobStore"/> promises. Every name is put under <c>prefix</c> (the deployment's service
/// id),
/// so deployments can share a bucket.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3BlobOptions _options;
    private readonly string _prefix;

    public S3BlobStore(S3BlobOptions options, string prefix)
    {
        if (string.IsNullOrWhiteSpace(options.Bucket))
            throw new InvalidOperationException("Blobs:S3:Bucket: is required for the S3 blob store");
        _options = options;
        _prefix = prefix.Length == 0 ? "" : BlobName.Check(prefix) + "/";
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle };
        if (options.ServiceUrl is { Length: > 0 } url)
            (config.ServiceURL, config.AuthenticationRegion) = (url, options.Region);
        else
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        _s3 = options.AccessKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }

    public string Description =>
        $"S3 bucket {_options.Bucket}{(_options.ServiceUrl is { Length: > 0 } url ? $" at {url}" : "")}, "
        + $"prefix {_prefix}";

    private string Key(string name) => _prefix + BlobName.Check(name);

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = Key(name),
            InputStream = body,
            AutoCloseStream = false,
            ContentType = "application/octet-stream",
            UseChunkEncoding = !_options.UnchunkedUploads,
        };
        await _s3.PutObjectAsync(request, cancellationToken);
    }

    public async Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_options.Bucket, Key(name), cancellationToken);
            using var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content, cancellationToken);
            return content.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(_options.Bucket, Key(name), cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<BlobInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (!BlobName.IsValidPrefix(prefix))
            throw new ArgumentException($"'{prefix}' is not a blob name prefix", nameof(prefix));
        var found = new List<BlobInfo>();
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _prefix + prefix };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            found.AddRange((page.S3Objects ?? []).Select(o => new BlobInfo(o.Key[_prefix.Length..], o.Size ?? 0)));
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (request.ContinuationToken is not null);
        return [.. found.OrderBy(b => b.Name, StringComparer.Ordinal)];
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        await _s3.DeleteObjectAsync(_options.Bucket, Key(name), cancellationToken);

    public void Dispose() => _s3.Dispose();
}
