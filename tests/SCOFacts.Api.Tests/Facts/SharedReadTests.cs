using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Application;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// Plain reads of one fact arriving together share a database read, and none of them misses a write acknowledged
/// before it was sent: sharing never trades freshness for speed.
/// </summary>
public sealed class SharedReadTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Fact = "sr.read";
    private const int Readers = 8;
    private const int Writes = 12;

    private sealed record Read(long SentAt, long Version, int ClaimCount);

    [Fact]
    public async Task Reads_during_writes_are_shared_and_each_sees_every_write_acknowledged_before_it_was_sent()
    {
        await RegisterSourceAsync(factory, "sr-wire", "Wire");
        await DefineQuantityAsync(factory, Fact, "percent");
        await RecordAsync(factory.Checker, Fact, "sr-0", "sr-wire", Quantity("40", "percent"), At("2000"));

        var reader = factory.Services.GetRequiredService<FactReader>();
        var before = reader.StoredReads;
        var reads = new ConcurrentQueue<Read>();
        var acknowledged = new ConcurrentQueue<(long At, int ClaimCount)>();
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var sentAt = Stopwatch.GetTimestamp();
                using var response = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{Fact}", UriKind.Relative), CancellationToken.None);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                reads.Enqueue(new Read(sentAt, body.RootElement.GetProperty("version").GetInt64(), body.RootElement.GetProperty("claimCount").GetInt32()));
            }
        })).ToArray();

        try
        {
            await SCOFacts.Testing.Wait.UntilAsync(() => reads.Count >= 50, TimeSpan.FromSeconds(60), "the readers are reading");
            for (var i = 1; i <= Writes; i++)
            {
                await RecordAsync(factory.Checker, Fact, $"sr-{i}", "sr-wire", Quantity((40 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), "percent"),
                    At((2000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                acknowledged.Enqueue((Stopwatch.GetTimestamp(), i + 1));
                var count = reads.Count;
                await SCOFacts.Testing.Wait.UntilAsync(() => reads.Count >= count + Readers, TimeSpan.FromSeconds(60), "the readers have read after the write");
            }
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll(readers);
        }

        var all = reads.ToList();
        var writes = acknowledged.ToList();
        // A read sent after a write was acknowledged shows that write, whatever read it shared.
        foreach (var read in all)
        {
            var owed = writes.Where(w => w.At < read.SentAt).Select(w => w.ClaimCount).DefaultIfEmpty(1).Max();
            Assert.True(read.ClaimCount >= owed, $"a read sent after the write of claim {owed} showed {read.ClaimCount} claims");
        }
        Assert.Contains(all, r => r.ClaimCount == Writes + 1);
        Assert.True(all.Count(r => r.SentAt > writes[^1].At) >= Readers, "too few reads came after the last write to tell");
        // Eight readers on one fact: some database reads answered more than one of them.
        var after = reader.StoredReads;
        var (databaseReads, answered) = (after.Reads - before.Reads, after.Callers - before.Callers);
        Assert.Equal(all.Count, answered);
        Assert.True(databaseReads < answered, $"{databaseReads} database reads answered {answered} requests");
    }
}
