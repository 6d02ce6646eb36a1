namespace Dispatch.Api.Tests;

/// <summary>
/// Photos that decode as images (2×2 pixels, drawn on a browser's canvas and exported), and ways to make files that
/// only pretend to be one.
/// </summary>
public static class SecurityImages
{
    /// <summary>A baseline JFIF JPEG.</summary>
    public static byte[] Jpeg =>
        Convert.FromBase64String(
            "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwg"
                + "IyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo"
                + "KCgoKCgoKCgoKCgoKCj/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAH/xAAUEAEAAAAAAAAAAAAA"
                + "AAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAwb/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCgBQD/2Q=="
        );

    /// <summary>A PNG: IHDR, IDAT, IEND.</summary>
    public static byte[] Png =>
        Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEklEQVR4AWIyXlX+H4SZGKAAAAAA///5ejD3AAAABklEQVQDADzY"
                + "BKuqbfebAAAAAElFTkSuQmCC"
        );

    /// <summary>A lossy WebP: one VP8 chunk.</summary>
    public static byte[] WebP =>
        Convert.FromBase64String("UklGRjQAAABXRUJQVlA4ICgAAABwAQCdASoCAAIAAUAmJaACdAGgAACaIw0a//U4//6aR//TSPoUAAAA");

    /// <summary>The JPEG with a comment (COM) of <paramref name="text"/> right after its start: still whole.</summary>
    public static byte[] JpegWithComment(string text)
    {
        var comment = System.Text.Encoding.UTF8.GetBytes(text);
        var length = comment.Length + 2;
        return [.. Jpeg[..2], 0xFF, 0xFE, (byte)(length >> 8), (byte)length, .. comment, .. Jpeg[2..]];
    }
}
