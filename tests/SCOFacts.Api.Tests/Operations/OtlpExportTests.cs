using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using SCOFacts.Testing;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>A stand-in OTLP/HTTP collector on a loopback port: it records the paths it was sent to and answers 200.</summary>
public sealed class LoopbackCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public LoopbackCollector()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<string> Paths { get; } = new();

    public void Dispose()
    {
        _listener.Close();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            Paths.Enqueue(context.Request.Url!.AbsolutePath);
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}

/// <summary>The app exporting over OTLP/HTTP to <see cref="LoopbackCollector"/>, switched on by <c>Telemetry:OtlpEndpoint</c>.</summary>
public sealed class OtlpFactory : ApiFactory
{
    public LoopbackCollector Collector { get; } = new();

    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{Collector.Port}";
        settings["Telemetry:OtlpProtocol"] = "http/protobuf";
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Collector.Dispose();
    }
}

public sealed class OtlpExportTests(OtlpFactory factory) : IClassFixture<OtlpFactory>
{
    [Fact]
    public async Task Traces_reach_the_configured_collector()
    {
        using var response = await factory.Anonymous.GetAsync(new Uri("/api/facts", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var tracer = factory.Services.GetRequiredService<TracerProvider>();
        await Wait.UntilAsync(() => tracer.ForceFlush(1000) && factory.Collector.Paths.Contains("/v1/traces"),
            TimeSpan.FromSeconds(30), "the collector has received traces at /v1/traces");
    }
}
