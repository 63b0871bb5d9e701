using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Application;
using SCOFacts.Api.Http;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>Checks that the stored answers a plain read serves are, byte for byte, what reconciling afresh gives.</summary>
internal static class StoredAnswerAssert
{
    private static readonly DateOnly[] FixedDays =
        [new(1990, 1, 1), new(2001, 6, 15), new(2005, 7, 5), new(2017, 6, 9), new(2020, 12, 31), new(2024, 7, 4)];

    /// <summary>
    /// For every fact: without a date, on fixed days, and on both sides of every stretch boundary, the stored response
    /// equals the fresh reconciliation's, and the endpoint serves it. Days no stretch covers must lie before all of them.
    /// Returns how many reads the stored answers served.
    /// </summary>
    public static async Task<int> AllEqualAsync(ApiFactory factory, IReadOnlyList<string> factIds, string stage)
    {
        var reader = factory.Services.GetRequiredService<FactReader>();
        var served = 0;
        foreach (var factId in factIds)
        {
            var bounds = await BoundsAsync(factory, factId);
            var firstFrom = bounds.Where(b => b.From is not null).Select(b => b.From!.Value).DefaultIfEmpty(DateOnly.MaxValue).Min();
            var openStart = bounds.Any(b => b.From is null);
            var days = new List<DateOnly?> { null, reader.Today };
            days.AddRange(FixedDays.Select(d => (DateOnly?)d));
            foreach (var (from, to) in bounds)
            {
                foreach (var edge in new[] { from, to }.OfType<DateOnly>())
                    days.AddRange([edge.AddDays(-1), edge, edge.AddDays(1)]);
            }

            foreach (var day in days.Distinct())
            {
                var fresh = await reader.GetAsync(factId, day, null);
                Assert.True(fresh is not null, $"{stage}: {factId} is not found by folding");
                var expected = JsonSerializer.Serialize(FactResponse.From(fresh), ResponseJson.Options);
                if (await reader.StoredAsync(factId, day) is { } stored)
                {
                    served++;
                    var actual = Encoding.UTF8.GetString(stored.Body);
                    Assert.True(expected == actual, $"{stage}: {factId} on {day?.ToString() ?? "today"} differs:\nfresh  {expected}\nstored {actual}");
                    Assert.Equal(fresh.Version, stored.Version);
                }
                else
                {
                    // Only days before anything is known of the fact are left to the fold.
                    Assert.True(day is { } d && !openStart && d < firstFrom, $"{stage}: {factId} has no stored answer for {day?.ToString() ?? "today"}");
                }
            }

            // The endpoint serves the stored bytes.
            var today = JsonSerializer.Serialize(FactResponse.From((await reader.GetAsync(factId, null, null))!), ResponseJson.Options);
            using var response = await factory.Anonymous.GetAsync(new Uri($"/api/facts/{factId}", UriKind.Relative));
            Assert.Equal(today, await response.Content.ReadAsStringAsync());
        }
        return served;
    }

    private static async Task<List<(DateOnly? From, DateOnly? To)>> BoundsAsync(ApiFactory factory, string factId)
    {
        await using var command = factory.DataSource.CreateCommand("SELECT valid_from, valid_to FROM fact_answer_stretches WHERE fact_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = factId });
        await using var reader = await command.ExecuteReaderAsync();
        var bounds = new List<(DateOnly?, DateOnly?)>();
        while (await reader.ReadAsync())
            bounds.Add((reader.IsDBNull(0) ? null : reader.GetFieldValue<DateOnly>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateOnly>(1)));
        return bounds;
    }
}
