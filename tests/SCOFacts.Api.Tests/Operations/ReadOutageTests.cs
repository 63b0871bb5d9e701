using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using SCOFacts.Testing;
using Xunit.Abstractions;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Operations;

/// <summary>
/// kill -9 of the PostgreSQL postmaster while clients read a fact: plain reads (multiplexed on connections of their own)
/// are answered with the stored answer or 503 with Retry-After, never a 500, and once the supervisor has the server back
/// they answer again, byte for byte as before, without a restart of the app.
/// </summary>
public sealed class ReadOutageTests(EmbeddedClusterFactory factory, ITestOutputHelper output) : IClassFixture<EmbeddedClusterFactory>
{
    private const int Clients = 4;
    private const string Fact = "ro.read";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private sealed record Answer(HttpStatusCode Status, string? Code, bool RetryAfter, string Body, string? ETag, long At);

    [Fact]
    public async Task Kill_9_of_the_postmaster_under_plain_reads_costs_no_500_and_the_reads_come_back_unchanged()
    {
        await RegisterSourceAsync(factory, "ro-wire", "Wire");
        await DefineQuantityAsync(factory, Fact, "percent");
        await RecordAsync(factory.Checker, Fact, "ro-1", "ro-wire", Quantity("41", "percent"), At("2025"));
        // The learned weight moves the answer once, after the write: every read below comes after that.
        await TrustCaughtUpAsync(factory);
        var before = await ReadAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, before.Status);

        var answers = new ConcurrentQueue<Answer>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Answer answer;
                try
                {
                    answer = await ReadAsync(stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                answers.Enqueue(answer);
                // A client's pause before retrying, shorter than Retry-After to keep the test brisk.
                if (answer.Status != HttpStatusCode.OK)
                    await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            }
        })).ToArray();

        try
        {
            await Wait.UntilAsync(() => answers.Count(a => a.Status == HttpStatusCode.OK) >= 50, Patience, "the clients have read the fact");
            var postmaster = int.Parse(File.ReadLines(Path.Combine(factory.Cluster.DataDirectory, "postmaster.pid")).First(), NumberStyles.None,
                CultureInfo.InvariantCulture);
            using (var process = Process.GetProcessById(postmaster))
                process.Kill(); // SIGKILL: no shutdown, no checkpoint.
            var killedAt = Stopwatch.GetTimestamp();

            await Wait.UntilAsync(() => answers.Any(a => a.Status == HttpStatusCode.ServiceUnavailable), Patience, "a read was answered 503");
            await Wait.UntilAsync(() =>
            {
                var outage = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable && a.At > killedAt).Select(a => a.At).DefaultIfEmpty(long.MaxValue).Min();
                return answers.Any(a => a.Status == HttpStatusCode.OK && a.At > outage);
            }, Patience, "reads are answered again after the outage");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(clients);
        }

        var seen = answers.ToList();
        output.WriteLine("Answers during the run: " + string.Join(", ", seen.GroupBy(a => $"{(int)a.Status} {a.Code}".Trim())
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.All(seen, a => Assert.True(
            a.Status == HttpStatusCode.OK || (a.Status == HttpStatusCode.ServiceUnavailable && a.Code == "service-unavailable" && a.RetryAfter),
            $"{(int)a.Status} {a.Code} (Retry-After: {a.RetryAfter})"));
        // Nothing was written meanwhile: every answer, before the outage and after it, is the one read before.
        Assert.All(seen.Where(a => a.Status == HttpStatusCode.OK), a =>
        {
            Assert.Equal(before.Body, a.Body);
            Assert.Equal(before.ETag, a.ETag);
        });
        var after = await ReadAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(before.Body, after.Body);
    }

    private async Task<Answer> ReadAsync(CancellationToken cancellationToken)
    {
        using var response = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{Fact}", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            code = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString()?.Split('/')[^1];
        return new Answer(response.StatusCode, code, response.Headers.RetryAfter is not null, body, response.Headers.ETag?.Tag,
            Stopwatch.GetTimestamp());
    }
}
