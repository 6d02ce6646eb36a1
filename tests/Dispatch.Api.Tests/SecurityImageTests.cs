using System.Net;
using System.Text;
using Dispatch.Infrastructure;
using Dispatch.Protos.V1;
using Dispatch.ServiceDefaults;
using Google.Protobuf;
using Grpc.Core;
using static Dispatch.Api.Tests.Office;

namespace Dispatch.Api.Tests;

/// <summary>Only files that are images from their first byte to their last are evidence, served as images.</summary>
[Collection(RedisFixture.Collection)]
public class SecurityImageTests(RedisFixture redis)
{
    private const string Page = "<html><body><script>fetch('/api/v1/me')</script></body></html>";

    private static byte[] PageBytes => Encoding.ASCII.GetBytes(Page);

    [Fact]
    public void Whole_images_of_every_accepted_type_pass_the_check()
    {
        Assert.Null(ImageCheck.Problem("image/jpeg", SecurityImages.Jpeg));
        Assert.Null(ImageCheck.Problem("image/png", SecurityImages.Png));
        Assert.Null(ImageCheck.Problem("image/webp", SecurityImages.WebP));
        Assert.Null(
            ImageCheck.Problem("image/jpeg", SecurityImages.JpegWithComment("巡查照片 2026-12-01 <x:xmpmeta>"))
        );
    }

    public static TheoryData<string, string, byte[], string> Pretenders =>
        new()
        {
            { "a JPEG whose comment is a page", "image/jpeg", SecurityImages.JpegWithComment(Page), "HTML" },
            { "a JPEG with a page after its end", "image/jpeg", [.. SecurityImages.Jpeg, .. PageBytes], "after" },
            { "a JPEG signature and nothing of a JPEG", "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, .. PageBytes], "JPEG" },
            { "a JPEG cut short", "image/jpeg", SecurityImages.Jpeg[..^2], "ends before" },
            { "a PNG with a page after its end", "image/png", [.. SecurityImages.Png, .. PageBytes], "after" },
            { "a PNG whose data was changed", "image/png", Flip(SecurityImages.Png, 45), "CRC" },
            { "a PNG signature and nothing of a PNG", "image/png", [.. SecurityImages.Png[..8], 1, 2, 3], "PNG" },
            { "a WebP with a page after its end", "image/webp", [.. SecurityImages.WebP, .. PageBytes], "RIFF" },
            { "a WebP whose bitstream is no VP8", "image/webp", Flip(SecurityImages.WebP, 23), "signature" },
        };

    [Theory]
    [MemberData(nameof(Pretenders))]
    public void Files_that_only_pretend_to_be_images_are_refused_saying_why(
        string what,
        string type,
        byte[] content,
        string why
    )
    {
        var problem = ImageCheck.Problem(type, content);
        Assert.True(problem is not null, $"{what} passed the check");
        Assert.Contains(why, problem);
    }

    [Fact]
    public async Task A_jpeg_html_polyglot_is_refused_as_evidence_and_a_photo_is_served_inline_and_never_sniffed()
    {
        var api = await SharedApi.StartAsync(redis);
        var number = await new Office(api).InStateAsync("InProgress");
        var worker = await api.UserAsync(Worker);

        var polyglot = await FailsAsync(() =>
            worker
                .Field.UploadEvidenceAsync(
                    new UploadEvidenceRequest
                    {
                        Number = number,
                        ContentType = "image/jpeg",
                        Content = ByteString.CopyFrom(SecurityImages.JpegWithComment(Page)),
                    }
                )
                .ResponseAsync
        );
        Assert.Equal(StatusCode.InvalidArgument, polyglot.StatusCode);
        Assert.Equal("content", Problems.FieldOf(polyglot));

        var photo = await worker.Field.UploadEvidenceAsync(
            new UploadEvidenceRequest
            {
                Number = number,
                ContentType = "image/webp",
                Content = ByteString.CopyFrom(SecurityImages.WebP),
                FileName = "桶 1.webp",
            }
        );
        var download = await api.Http.SendAsync(
            api.Request(HttpMethod.Get, $"/api/v1/evidence/{photo.Id}", worker.Token)
        );
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/webp", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["nosniff"], download.Headers.GetValues("X-Content-Type-Options"));
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal("inline", disposition.DispositionType);
        Assert.Equal("桶 1.webp", disposition.FileNameStar);
        Assert.Equal(SecurityImages.WebP, await download.Content.ReadAsByteArrayAsync());
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }
}
