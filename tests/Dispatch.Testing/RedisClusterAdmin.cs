using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dispatch.Tests;

/// <summary>
/// Asks one Redis node one command over a fresh loopback connection and reads the reply (RESP2). The cluster
/// fixture watches its nodes through this rather than through StackExchange.Redis, so that what it says about the
/// cluster (roles, slots, replication) does not depend on the client library whose behaviour the tests observe.
/// </summary>
internal static class RedisClusterAdmin
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The reply: a string, a long, null, or an array of these. An error reply throws <see cref="RedisNodeError"/>.
    /// </summary>
    public static async Task<object?> AskAsync(int port, params string[] command)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        var request = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var argument in command)
            request
                .Append('$')
                .Append(Encoding.UTF8.GetByteCount(argument))
                .Append("\r\n")
                .Append(argument)
                .Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
        return await new Reply(stream, port).ReadAsync(timeout.Token);
    }

    public static async Task<string> TextAsync(int port, params string[] command) =>
        await AskAsync(port, command) as string
        ?? throw new RedisNodeError(port, $"{string.Join(' ', command)} gave no text");

    /// <summary>The <c>field:value</c> lines of a reply like <c>CLUSTER INFO</c> or <c>INFO replication</c>.</summary>
    public static async Task<Dictionary<string, string>> FieldsAsync(int port, params string[] command) =>
        (await TextAsync(port, command))
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#') && line.Contains(':'))
            .ToDictionary(line => line[..line.IndexOf(':')], line => line[(line.IndexOf(':') + 1)..]);

    /// <summary>Reads one reply from the stream, buffering what the node sent.</summary>
    private sealed class Reply(Stream stream, int port)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _next;
        private int _end;

        public async Task<object?> ReadAsync(CancellationToken cancellationToken)
        {
            var line = await LineAsync(cancellationToken);
            var body = line[1..];
            switch (line[0])
            {
                case '+':
                    return body;
                case '-':
                    throw new RedisNodeError(port, body);
                case ':':
                    return long.Parse(body);
                case '$':
                    var length = int.Parse(body);
                    if (length < 0)
                        return null;
                    var bytes = new byte[length];
                    for (var i = 0; i < length; i++)
                        bytes[i] = await ByteAsync(cancellationToken);
                    await LineAsync(cancellationToken);
                    return Encoding.UTF8.GetString(bytes);
                case '*':
                    var count = int.Parse(body);
                    if (count < 0)
                        return null;
                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                        items[i] = await ReadAsync(cancellationToken);
                    return items;
                default:
                    throw new RedisNodeError(port, $"unexpected reply {line}");
            }
        }

        private async Task<string> LineAsync(CancellationToken cancellationToken)
        {
            var bytes = new List<byte>();
            for (var b = await ByteAsync(cancellationToken); b != '\r'; b = await ByteAsync(cancellationToken))
                bytes.Add(b);
            await ByteAsync(cancellationToken); // the '\n' after '\r'
            return Encoding.UTF8.GetString([.. bytes]);
        }

        private async ValueTask<byte> ByteAsync(CancellationToken cancellationToken)
        {
            if (_next == _end)
            {
                (_next, _end) = (0, await stream.ReadAsync(_buffer, cancellationToken));
                if (_end == 0)
                    throw new IOException($"127.0.0.1:{port} closed the connection");
            }
            return _buffer[_next++];
        }
    }
}

/// <summary>A Redis node answered a command with an error reply (or with something the fixture cannot read).</summary>
public sealed class RedisNodeError(int port, string message) : Exception($"127.0.0.1:{port}: {message}");
