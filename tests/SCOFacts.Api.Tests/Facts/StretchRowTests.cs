using System.Net.Http.Json;
using Npgsql;
using static SCOFacts.Api.Tests.TimeAndAudit.Api;

namespace SCOFacts.Api.Tests.Facts;

/// <summary>
/// A fact's stored stretches are rewritten only where a write moved their answer, and the rows name the fact's version
/// and claim count by token, which a read fills in; rows written before, which held the numbers themselves, still read
/// the same.
/// </summary>
public sealed class StretchRowTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Fact = "sr.share";

    [Fact]
    public async Task A_claim_rewrites_only_the_stretches_it_moves_and_every_answer_stays_a_fresh_reconciliation()
    {
        await RegisterSourceAsync(factory, "sr-wire", "Wire");
        // Rated by an editor: the learned weight cannot move it, so only the writes below touch the rows.
        using (var rated = await factory.Editor.PostAsJsonAsync("/api/sources/sr-wire/ratings", new { reliability = 0.8, reason = "Checked." }))
            Assert.True(rated.IsSuccessStatusCode, await rated.Content.ReadAsStringAsync());
        await DefineQuantityAsync(factory, Fact, "percent");
        for (var year = 2001; year <= 2010; year++)
            await RecordAsync(factory.Checker, Fact, $"sr-{year}", "sr-wire", Quantity((40 + (year % 3)).ToString(System.Globalization.CultureInfo.InvariantCulture), "percent"), At(year.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await TrustCaughtUpAsync(factory);
        var before = await RowsAsync();
        Assert.True(before.Count >= 10, $"only {before.Count} stretches");

        await RecordAsync(factory.Checker, Fact, "sr-2005b", "sr-wire", Quantity("47", "percent"), At("2005"));
        await TrustCaughtUpAsync(factory);
        var after = await RowsAsync();

        // The 2005 stretch's answer moved; every other stretch's row is the very row it was.
        var moved = after.Where(a => !before.Contains(a)).Select(a => a.From).ToList();
        Assert.Equal([new DateOnly(2005, 1, 1)], moved);
        Assert.Equal(before.Count, after.Count);
        await StoredAnswerAssert.AllEqualAsync(factory, [Fact], "after one claim");

        // Rows as the previous revision stored them, with the numbers written out, read exactly the same.
        var served = await factory.Anonymous.GetStringAsync(new Uri($"/api/facts/{Fact}?validAt=2003-06-01", UriKind.Relative));
        await using (var literal = factory.DataSource.CreateCommand(
            "UPDATE fact_answer_stretches s SET response_head = replace(s.response_head, '\"version\":-9223372036854775808', '\"version\":' || a.version), " +
            "response_tail = replace(s.response_tail, '\"claimCount\":-2147483648', '\"claimCount\":' || v.claim_count) " +
            "FROM fact_answers a, fact_views v WHERE a.fact_id = s.fact_id AND v.fact_id = s.fact_id AND s.fact_id = $1"))
        {
            literal.Parameters.Add(new NpgsqlParameter { Value = Fact });
            Assert.Equal(after.Count, await literal.ExecuteNonQueryAsync());
        }
        Assert.DoesNotContain(await PiecesAsync(), p => p.Contains("-9223372036854775808", StringComparison.Ordinal) || p.Contains("-2147483648", StringComparison.Ordinal));
        Assert.Equal(served, await factory.Anonymous.GetStringAsync(new Uri($"/api/facts/{Fact}?validAt=2003-06-01", UriKind.Relative)));
        await StoredAnswerAssert.AllEqualAsync(factory, [Fact], "rows with the numbers written out");
    }

    private async Task<List<(DateOnly? From, string Row)>> RowsAsync()
    {
        var rows = new List<(DateOnly?, string)>();
        await using var command = factory.DataSource.CreateCommand(
            "SELECT valid_from, ctid::text FROM fact_answer_stretches WHERE fact_id = $1 ORDER BY valid_from NULLS FIRST");
        command.Parameters.Add(new NpgsqlParameter { Value = Fact });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add((reader.IsDBNull(0) ? null : reader.GetFieldValue<DateOnly>(0), reader.GetString(1)));
        return rows;
    }

    private async Task<List<string>> PiecesAsync()
    {
        var pieces = new List<string>();
        await using var command = factory.DataSource.CreateCommand(
            "SELECT response_head || response_tail FROM fact_answer_stretches WHERE fact_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Fact });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) pieces.Add(reader.GetString(0));
        return pieces;
    }
}
