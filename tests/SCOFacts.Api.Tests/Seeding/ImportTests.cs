using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SCOFacts.Api.Cli;

namespace SCOFacts.Api.Tests.Seeding;

/// <summary><c>import</c> and <c>seeds load</c> say exactly what they did: conflicts per line, the principal, the set's own name.</summary>
public sealed partial class ImportTests(ApiFactory factory) : IClassFixture<ApiFactory>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scofacts-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(int? ExitCode, string Out, string Error)> RunAsync(params string[] args) =>
        CliRun.AgainstAsync(factory.Database.ConnectionString, args);

    private string File(string name, params object[] lines)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllLines(path, lines.Select(l => JsonSerializer.Serialize(l)));
        return path;
    }

    private static object Source(string id, string title = "A report") =>
        new { id, title, publisher = "Report Office", author = (string?)null, url = (string?)null, publishedOn = "2025", kind = "official", language = "en", document = (string?)null, sha256 = (string?)null, note = (string?)null };

    private static object Fact(string id) =>
        new { id, subject = "sco", property = id.Split('.')[1], qualifiers = new { }, valueType = "quantity", unit = "year", allowedStatuses = (string[]?)null, description = "Years since founding." };

    private static object Claim(string id, string fact, string source, string quote = "twenty years on") =>
        new { id, fact, source, value = new { kind = "quantity", amount = "20", unit = "year", approx = "exact" }, validTime = new { at = "2021" }, quote, locator = (object?)null, note = (string?)null };

    private async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var command = factory.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Sources_facts_and_claims_import_in_bulk_as_the_principal_who_ran_it()
    {
        var (source, fact) = ($"rep-{Guid.NewGuid():N}"[..12], $"sco.age-{Guid.NewGuid():N}"[..16]);
        var path = File("bulk.jsonl", Source(source), Fact(fact), Claim($"c-{source}-1", fact, source), Claim($"c-{source}-2", fact, source, "two decades"));

        var (exitCode, output, error) = await RunAsync("import", path);

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("4 recorded", output, StringComparison.Ordinal);
        // Progress in the one format every long verb uses, on standard error; the results alone on standard output.
        Assert.Matches(ImportDone(), error);
        Assert.DoesNotMatch(ImportDone(), output);
        Assert.Equal(4, await ScalarAsync("select count(*) from mt_events where user_name = $1 and stream_id in ($2, $3)",
            ImportVerb.Principal, $"source-{source}", $"fact-{fact}"));

        var again = await RunAsync("import", path);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("0 recorded, 4 skipped as duplicates, 0 conflicts", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_whose_id_exists_with_other_content_is_a_conflict_and_the_exit_is_non_zero()
    {
        var (source, fact) = ($"rep-{Guid.NewGuid():N}"[..12], $"sco.age-{Guid.NewGuid():N}"[..16]);
        Assert.Equal(0, (await RunAsync("import", File("first.jsonl", Source(source), Fact(fact), Claim($"c-{source}-1", fact, source)))).ExitCode);
        var events = await ScalarAsync("select count(*) from mt_events");

        var (exitCode, output, _) = await RunAsync("import", File("second.jsonl",
            Source(source, "Another title"), Claim($"c-{source}-1", fact, source, "a different quote"), Claim($"c-{source}-9", fact, source)));

        Assert.Equal(1, exitCode);
        Assert.Contains($"conflict: line 1: source {source}: already stored with different content (title differ)", output, StringComparison.Ordinal);
        Assert.Contains($"conflict: line 2: claim c-{source}-1: already stored with different content (quote differ)", output, StringComparison.Ordinal);
        Assert.Contains("1 recorded, 0 skipped as duplicates, 2 conflicts", output, StringComparison.Ordinal);
        Assert.Equal(events + 1, await ScalarAsync("select count(*) from mt_events"));
    }

    [Fact]
    public async Task An_imported_quote_is_held_to_its_sources_document()
    {
        var (source, fact) = ($"rep-{Guid.NewGuid():N}"[..12], $"sco.age-{Guid.NewGuid():N}"[..16]);
        Assert.Equal(0, (await RunAsync("import", File("setup.jsonl", Source(source), Fact(fact)))).ExitCode);
        var desk = factory.Services.GetRequiredService<SCOFacts.Api.Application.FactsDesk>();
        await desk.RunAsync(new SCOFacts.Domain.Sources.AttachSourceDocument(source, "The SCO is twenty years on from its founding.\n", "test"),
            SCOFacts.EventStore.EventMetadata.System("test"));

        var (exitCode, output, _) = await RunAsync("import", File("claims.jsonl",
            Claim($"c-{source}-1", fact, source), Claim($"c-{source}-2", fact, source, "The SCO covers 99 percent of the planet")));

        Assert.Equal(1, exitCode);
        Assert.Contains($"rejected: line 2: claim c-{source}-2: quote-not-verbatim", output, StringComparison.Ordinal);
        Assert.Contains("1 recorded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeds_load_from_another_folder_records_that_sets_own_name()
    {
        var set = Path.Combine(_folder, "my-newsroom-set");
        Directory.CreateDirectory(Path.Combine(set, "claims"));
        var source = $"rep-{Guid.NewGuid():N}"[..12];
        var fact = $"sco.age-{Guid.NewGuid():N}"[..16];
        System.IO.File.WriteAllText(Path.Combine(set, "sources.json"), JsonSerializer.Serialize(new[] { Source(source) }));
        System.IO.File.WriteAllText(Path.Combine(set, "facts.json"), JsonSerializer.Serialize(new[] { Fact(fact) }));
        System.IO.File.WriteAllText(Path.Combine(set, "claims", "a.json"), JsonSerializer.Serialize(new[] { Claim($"c-{source}-1", fact, source) }));

        var (exitCode, output, error) = await RunAsync("seeds", "load", "--seeds", set, "--documents", _folder);

        Assert.True(exitCode == 0, output + error);
        Assert.Equal(1, await ScalarAsync("select count(*) from seed_loads where name = 'my-newsroom-set'"));
        Assert.Equal(0, await ScalarAsync("select count(*) from seed_loads where name = 'sco-documents'"));
    }

    [Fact]
    public void Progress_gives_the_rate_and_the_time_left()
    {
        Assert.Equal("import: 1,200 / 50,000 items (2 %), 100 items/s, ETA 8 min 8 s",
            CliProgress.Format("import", 1200, 50000, "items", TimeSpan.FromSeconds(12)));
        Assert.Equal("import: 50,000 / 50,000 items (100 %), 100 items/s, ETA 0 s",
            CliProgress.Format("import", 50000, 50000, "items", TimeSpan.FromSeconds(500)));
    }

    [GeneratedRegex(@"import: 4 / 4 items \(100 %\), [\d,]+ items/s, ETA 0 s")]
    private static partial Regex ImportDone();
}
