using System.Text;
using Dispatch.Infrastructure.Blobs;

namespace Dispatch.Grains.Tests;

/// <summary>The blob store's contract, on a folder and on a real S3-compatible server (s3rver).</summary>
[Collection(BlobS3Collection.Collection)]
public sealed class BlobStoreTests(BlobS3Server s3) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dispatch-blobs-").FullName;

    public static TheoryData<string> Stores => new() { "directory", "s3" };

    private IBlobStore Store(string kind) => kind == "s3" ? s3.Store() : new DirectoryBlobStore(_folder);

    [Theory, MemberData(nameof(Stores))]
    public async Task What_is_put_is_got_back_listed_by_prefix_replaced_whole_and_deleted(string kind)
    {
        var store = Store(kind);
        await store.PutAsync("events/2026-11-29/p01.1-0.2-0.part.ndjson.gz", "one"u8.ToArray());
        await store.PutAsync("events/2026-11-29/p02.1-0.2-0.part.ndjson.gz", "two"u8.ToArray());
        await store.PutAsync("events/2026-11-30/p01.ndjson.gz", "three"u8.ToArray());
        await store.PutAsync("facts/2026-11-29/facts.ndjson.gz", "four"u8.ToArray());

        Assert.Equal(
            "two",
            Encoding.UTF8.GetString((await store.GetAsync("events/2026-11-29/p02.1-0.2-0.part.ndjson.gz"))!)
        );
        Assert.Equal(
            [
                "events/2026-11-29/p01.1-0.2-0.part.ndjson.gz",
                "events/2026-11-29/p02.1-0.2-0.part.ndjson.gz",
                "events/2026-11-30/p01.ndjson.gz",
            ],
            (await store.ListAsync("events/2026-11-")).Select(b => b.Name)
        );
        Assert.Equal([new BlobInfo("facts/2026-11-29/facts.ndjson.gz", 4)], await store.ListAsync("facts/"));
        Assert.Empty(await store.ListAsync("reads/"));

        await store.PutAsync("events/2026-11-30/p01.ndjson.gz", "three, again"u8.ToArray());
        Assert.Equal(
            "three, again",
            Encoding.UTF8.GetString((await store.GetAsync("events/2026-11-30/p01.ndjson.gz"))!)
        );
        await store.DeleteAsync("events/2026-11-30/p01.ndjson.gz");
        await store.DeleteAsync("events/2026-11-30/p01.ndjson.gz");
        Assert.Null(await store.GetAsync("events/2026-11-30/p01.ndjson.gz"));
        Assert.False(await store.ExistsAsync("events/2026-11-30/p01.ndjson.gz"));
        Assert.True(await store.ExistsAsync("facts/2026-11-29/facts.ndjson.gz"));
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task A_name_that_could_leave_the_store_is_refused(string kind)
    {
        var store = Store(kind);
        foreach (var name in new[] { "../outside", "a/../../b", "/absolute", "a//b", "a\\b", "" })
            await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(name, "x"u8.ToArray()));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync("../"));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_folder)!, "outside")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
