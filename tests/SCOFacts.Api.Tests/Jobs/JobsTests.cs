using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SCOFacts.Api.Tests.Platform;
using SCOFacts.Testing;
using static SCOFacts.Api.Tests.Jobs.JobsApiTalk;

namespace SCOFacts.Api.Tests.Jobs;

/// <summary>Imports over HTTP answer 202 with a job; the job shows its progress and ends with what the import did.</summary>
public sealed partial class JobsTests(JobsFactory factory) : IClassFixture<JobsFactory>
{
    private static string Prefix() => "j" + Guid.NewGuid().ToString("N")[..10];

    private async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var command = factory.DataSource.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_import_answers_202_with_a_job_that_succeeds_with_what_it_recorded()
    {
        var prefix = Prefix();
        var (items, source, facts, claims) = Batch(prefix, 2, 3);

        using var response = await ImportAsync(factory.Editor, Lines(items));
        var queued = await AcceptedAsync(response);
        Assert.Equal("import", queued.GetProperty("kind").GetString());
        Assert.Equal("editor:test-editor", queued.GetProperty("requestedBy").GetString());
        Assert.Equal(items.Count, queued.GetProperty("progress").GetProperty("total").GetInt64());

        var job = await EndedAsync(factory.Anonymous, queued.GetProperty("id").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var result = job.GetProperty("result");
        Assert.Equal(items.Count, result.GetProperty("recorded").GetInt32());
        Assert.Equal(0, result.GetProperty("rejected").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.Equal(items.Count, job.GetProperty("progress").GetProperty("done").GetInt64());
        Assert.Equal(100, job.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.True(job.GetProperty("finishedAt").GetDateTimeOffset() >= job.GetProperty("startedAt").GetDateTimeOffset());

        // Recorded through the ordinary command path, as the editor who asked.
        Assert.Equal(facts.Count + claims.Count, await ScalarAsync("select count(*) from mt_events where stream_id = any($1) and user_name = $2",
            facts.Select(f => $"fact-{f}").ToArray(), "editor:test-editor"));
        var claim = await factory.Anonymous.GetFromJsonAsync<JsonElement>($"/api/claims/{claims[0]}");
        Assert.Equal(source, claim.GetProperty("sourceId").GetString());
    }

    [Fact]
    public async Task A_JSON_array_body_imports_as_JSON_Lines_do()
    {
        var (items, _, _, _) = Batch(Prefix(), 1, 1);
        using var response = await ImportAsync(factory.Editor, JsonSerializer.Serialize(items), "application/json");
        var job = await EndedAsync(factory.Anonymous, (await AcceptedAsync(response)).GetProperty("id").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal(3, job.GetProperty("result").GetProperty("recorded").GetInt32());
    }

    [Fact]
    public async Task Progress_moves_while_an_import_runs_with_a_rate_and_an_expected_finish()
    {
        var (items, _, _, _) = Batch(Prefix(), 20, 20);
        using var response = await ImportAsync(factory.Editor, Lines(items));
        var id = (await AcceptedAsync(response)).GetProperty("id").GetString()!;

        var seen = new List<JsonElement>();
        await Wait.UntilAsync(async () =>
        {
            var job = await JobAsync(factory.Anonymous, id);
            seen.Add(job);
            return job.GetProperty("state").GetString() is "succeeded" or "failed";
        }, JobTimeout, "the import has ended");

        var midway = seen.Where(j => j.GetProperty("state").GetString() == "running")
            .Select(j => j.GetProperty("progress")).Where(p => p.GetProperty("done").GetInt64() is > 0 and var d && d < items.Count).ToList();
        Assert.True(midway.Count >= 2, $"saw {midway.Count} progress writes between the start and the end");
        Assert.True(midway.Select(p => p.GetProperty("done").GetInt64()).Distinct().Count() >= 2, "progress did not move");
        Assert.All(midway, p =>
        {
            Assert.True(p.GetProperty("rate").GetDouble() > 0);
            Assert.True(p.GetProperty("eta").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
            Assert.Equal("items", p.GetProperty("unit").GetString());
        });
        Assert.Equal("succeeded", seen[^1].GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_failing_import_ends_failed_with_its_rejections_and_conflicts_in_the_result()
    {
        var prefix = Prefix();
        var (items, source, facts, _) = Batch(prefix, 1, 1);
        items.Add(Claim($"c-{prefix}-orphan", facts[0], $"{prefix}-nowhere"));   // line 4: cites a source nobody registered
        items.Add(Source(source, "Another title"));   // line 5: the source again, with another title

        using var response = await ImportAsync(factory.Editor, Lines(items));
        var job = await EndedAsync(factory.Anonymous, (await AcceptedAsync(response)).GetProperty("id").GetString()!);

        Assert.Equal("failed", job.GetProperty("state").GetString());
        var result = job.GetProperty("result");
        Assert.Equal(3, result.GetProperty("recorded").GetInt32());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray()).GetString()!;
        Assert.StartsWith($"line 4: claim c-{prefix}-orphan", rejected, StringComparison.Ordinal);
        var conflict = Assert.Single(result.GetProperty("conflicts").EnumerateArray()).GetString()!;
        Assert.StartsWith($"line 5: source {source}", conflict, StringComparison.Ordinal);
        Assert.Contains("title", conflict, StringComparison.Ordinal);
        Assert.Equal("/problems/import-incomplete", job.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_malformed_body_is_refused_with_a_problem_and_makes_no_job()
    {
        var jobs = await ScalarAsync("select count(*) from jobs");
        var (items, _, _, _) = Batch(Prefix(), 1, 1);
        var broken = Lines(items) + "{\"id\": \"half a line\n";

        using var unreadable = await ImportAsync(factory.Editor, broken);
        var problem = await ProblemAssert.IsProblemAsync(unreadable, HttpStatusCode.UnprocessableEntity, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("line 4", out _), problem.ToString());

        using var neither = await ImportAsync(factory.Editor, "{\"id\": \"what am I\"}\n");
        await ProblemAssert.IsProblemAsync(neither, HttpStatusCode.UnprocessableEntity, "validation-failed");
        using var empty = await ImportAsync(factory.Editor, "  \n");
        await ProblemAssert.IsProblemAsync(empty, HttpStatusCode.BadRequest, "malformed-request");
        using var badArray = await ImportAsync(factory.Editor, "[{\"id\": 1", "application/json");
        await ProblemAssert.IsProblemAsync(badArray, HttpStatusCode.UnprocessableEntity, "validation-failed");
        using var text = await ImportAsync(factory.Editor, Lines(items), "text/plain");
        await ProblemAssert.IsProblemAsync(text, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        using var checker = await ImportAsync(factory.Checker, Lines(items));
        Assert.Equal(HttpStatusCode.Forbidden, checker.StatusCode);

        Assert.Equal(jobs, await ScalarAsync("select count(*) from jobs"));
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem_and_a_foreign_cursor_a_400()
    {
        using var missing = await factory.Anonymous.GetAsync($"/api/jobs/{Guid.NewGuid()}");
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound, "not-found");
        using var cursor = await factory.Anonymous.GetAsync("/api/jobs?cursor=bm90LW91cnM");
        await ProblemAssert.IsProblemAsync(cursor, HttpStatusCode.BadRequest, "malformed-request");
    }

    [Fact]
    public async Task A_retried_import_with_the_same_Idempotency_Key_makes_one_job()
    {
        var (items, _, _, _) = Batch(Prefix(), 1, 2);
        var key = "import-" + Guid.NewGuid().ToString("N");
        var jobs = await ScalarAsync("select count(*) from jobs");

        using var first = await ImportAsync(factory.Editor, Lines(items), idempotencyKey: key);
        using var retry = await ImportAsync(factory.Editor, Lines(items), idempotencyKey: key);

        var one = await AcceptedAsync(first);
        var again = await AcceptedAsync(retry);
        Assert.Equal(one.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(jobs + 1, await ScalarAsync("select count(*) from jobs"));
        Assert.Equal("succeeded", (await EndedAsync(factory.Anonymous, one.GetProperty("id").GetString()!)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_a_page_at_a_time()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await ImportAsync(factory.Editor, Lines(Batch(Prefix(), 1, 1).Items));
            ids.Add((await AcceptedAsync(response)).GetProperty("id").GetString()!);
        }

        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await factory.Anonymous.GetFromJsonAsync<JsonElement>($"/api/jobs?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            Assert.True(page.GetProperty("items").GetArrayLength() <= 2);
            listed.AddRange(page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.True(pages >= 2);
        Assert.Equal(listed.Distinct().Count(), listed.Count);
        var ours = listed.Where(ids.Contains).ToList();
        Assert.Equal(ids.AsEnumerable().Reverse(), ours);
    }

    [Fact]
    public async Task The_command_line_import_records_its_run_as_a_job_and_prints_its_id()
    {
        var (items, _, _, _) = Batch(Prefix(), 1, 2);
        var path = Path.Combine(Path.GetTempPath(), $"scofacts-import-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, Lines(items));
        try
        {
            var (exitCode, output, error) = await CliRun.AgainstAsync(factory.Database.ConnectionString, ["import", path]);

            Assert.True(exitCode == 0, output + error);
            Assert.Matches(ImportProgress(), error);
            var id = JobId().Match(output).Groups[1].Value;
            var job = await JobAsync(factory.Anonymous, id);
            Assert.Equal("succeeded", job.GetProperty("state").GetString());
            Assert.Equal("import", job.GetProperty("kind").GetString());
            Assert.StartsWith("import:", job.GetProperty("requestedBy").GetString(), StringComparison.Ordinal);
            Assert.Contains(Path.GetFileName(path), job.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(items.Count, job.GetProperty("result").GetProperty("recorded").GetInt32());
            Assert.Equal(items.Count, job.GetProperty("progress").GetProperty("done").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"job ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")]
    private static partial Regex JobId();

    [GeneratedRegex(@"import: 4 / 4 items \(100 %\), [\d,]+ items/s, ETA")]
    private static partial Regex ImportProgress();
}
