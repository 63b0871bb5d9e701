using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Storage;
using SCOFacts.Domain.Sources;
using SCOFacts.EventStore;

namespace SCOFacts.Api.Tests.Storage;

/// <summary>Appends are counted once each, whether the store opens the transaction or the caller does.</summary>
public sealed class AppendMetricsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Appends_in_a_callers_transaction_are_counted_and_those_in_the_stores_own_are_counted_once()
    {
        // A stream type no other test writes, so measurements from tests running alongside do not mix in.
        var type = $"probe{Guid.NewGuid():N}";
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EventStoreMetrics.MeterName && instrument.Name == "scofacts.events.appended") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "stream.type" && tag.Value as string == type) Interlocked.Add(ref counted, value);
        });
        listener.Start();
        var events = factory.Services.GetRequiredService<ScoFactsEvents>();
        var metadata = new EventMetadata("test:metrics");

        await using (var connection = await factory.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await events.AppendAsync(transaction, $"{type}-a", ExpectedVersion.NoStream,
                [new SourceRated("a", 0.5, "first", "test"), new SourceRated("a", 0.6, "second", "test")], metadata);
            await transaction.CommitAsync();
        }
        Assert.Equal(2, Interlocked.Read(ref counted));

        await events.AppendAsync($"{type}-b", ExpectedVersion.NoStream, [new SourceRated("b", 0.5, "own transaction", "test")], metadata);
        Assert.Equal(3, Interlocked.Read(ref counted));
    }
}
