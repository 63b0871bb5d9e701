using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SCOFacts.Api.Tests.Subscriptions;

/// <summary>One request a receiver got.</summary>
/// <param name="Path">The hook it was sent to (the part after <c>/hooks/</c>).</param>
/// <param name="Signature">The SCOFacts-Signature header.</param>
/// <param name="DeliveryId">The SCOFacts-Delivery header.</param>
/// <param name="Body">The raw body.</param>
/// <param name="Status">What the receiver answered (0: it let the request hang until the sender gave up).</param>
/// <param name="ReceivedAt">When it arrived.</param>
public sealed record ReceivedDelivery(string Path, string? Signature, string? DeliveryId, byte[] Body, int Status, DateTimeOffset ReceivedAt);

/// <summary>
/// A real HTTP receiver on loopback (Kestrel, a free port), whose hooks answer as each test scripts them: a status per
/// attempt, or a hang (longer than the sender's timeout).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>A scripted answer that never comes: the sender's timeout ends the attempt.</summary>
    public const int Hang = 0;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<int, int>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedDelivery> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>The base URL, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>How many hanging requests the sender gave up on (closed before an answer).</summary>
    public int Abandoned => _abandoned;

    private int _abandoned;

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedDelivery> Received => [.. _received];

    /// <summary>What one hook received.</summary>
    public IReadOnlyList<ReceivedDelivery> For(string hook) => [.. _received.Where(r => r.Path == hook)];

    /// <summary>The URL of a hook.</summary>
    public string Url(string hook) => $"{BaseUrl}/hooks/{hook}";

    /// <summary>How the hook answers its attempt number n (1-based); 200 when not scripted.</summary>
    public void Script(string hook, Func<int, int> statusForAttempt) => _scripts[hook] = statusForAttempt;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{hook}", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    private async Task ReceiveAsync(string hook, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var attempt = _attempts.AddOrUpdate(hook, 1, (_, n) => n + 1);
        var status = _scripts.TryGetValue(hook, out var script) ? script(attempt) : 200;
        _received.Enqueue(new ReceivedDelivery(hook, context.Request.Headers["SCOFacts-Signature"].FirstOrDefault(),
            context.Request.Headers["SCOFacts-Delivery"].FirstOrDefault(), buffer.ToArray(), status, DateTimeOffset.UtcNow));
        if (status == Hang)
        {
            // Held until the sender gives up and closes the connection.
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _abandoned);
            }
            return;
        }
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
