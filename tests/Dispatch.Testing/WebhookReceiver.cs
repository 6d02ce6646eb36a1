using System.Text;
using Dispatch.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Dispatch.Tests;

/// <summary>
/// A webhook receiver on a free loopback port (Kestrel, HTTP/1.1) that records every request it gets, with the
/// status it answered. It answers 200, unless told to answer 500 to the next requests (all, or those a predicate
/// picks), or to hold requests unanswered until released (a receiver that hangs; a held request whose client gives
/// up is recorded with status 0).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Received> _received = [];
    private readonly object _gate = new();
    private readonly List<(int Left, Func<Received, bool> Which)> _failures = [];
    private Func<Received, bool>? _hold;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _holding;

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>How many requests are held unanswered now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>One request as received, and the status it was answered with (0: the client gave up first).</summary>
    public sealed record Received(
        DateTimeOffset At,
        string Path,
        IReadOnlyDictionary<string, string> Query,
        IReadOnlyDictionary<string, string> Headers,
        byte[] Body,
        int Status
    )
    {
        public string Text => Encoding.UTF8.GetString(Body);

        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public bool Delivered => Status is >= 200 and < 300;
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = RedisServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The receiver's URL for <paramref name="path"/> (a path and query).</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Every request so far, in the order they arrived.</summary>
    public IReadOnlyList<Received> Requests
    {
        get
        {
            lock (_gate)
                return [.. _received];
        }
    }

    /// <summary>
    /// Answers 500 to the next <paramref name="count"/> requests that <paramref name="which"/> picks (default: any).
    /// </summary>
    public void FailNext(int count, Func<Received, bool>? which = null)
    {
        lock (_gate)
            _failures.Add((count, which ?? (_ => true)));
    }

    /// <summary>Answers every request normally again.</summary>
    public void Heal()
    {
        lock (_gate)
            _failures.Clear();
    }

    /// <summary>
    /// Holds the requests that <paramref name="which"/> picks unanswered until <see cref="Release"/>.
    /// </summary>
    public void Hold(Func<Received, bool> which)
    {
        lock (_gate)
        {
            _hold = which;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _hold = null;
            _released.TrySetResult();
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var request = new Received(
            DateTimeOffset.UtcNow,
            http.Request.Path.Value ?? "",
            http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray(),
            0
        );
        Task? held = null;
        var status = 200;
        lock (_gate)
        {
            if (_hold?.Invoke(request) == true)
                held = _released.Task;
            var failure = _failures.FindIndex(f => f.Left > 0 && f.Which(request));
            if (failure >= 0)
            {
                _failures[failure] = (_failures[failure].Left - 1, _failures[failure].Which);
                status = 500;
            }
        }
        if (held is not null)
        {
            Interlocked.Increment(ref _holding);
            try
            {
                await held.WaitAsync(http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                    _received.Add(request);
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _holding);
            }
        }
        lock (_gate)
            _received.Add(request with { Status = status });
        http.Response.StatusCode = status;
        await http.Response.WriteAsync(status == 200 ? "{\"errcode\":0}" : "{\"errcode\":500}");
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
