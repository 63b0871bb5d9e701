using System.Text.RegularExpressions;
using SCOFacts.Api.Cli;
using SCOFacts.Api.Tests.Facts;

namespace SCOFacts.Api.Tests.Newcomer;

/// <summary>Long verbs say how far they are, how fast they go and how long is left, on standard error.</summary>
public sealed partial class ProgressTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void A_progress_line_gives_the_share_done_the_rate_and_the_time_left()
    {
        Assert.Equal("rebuild facts: 25,000 / 100,000 events (25 %), 5,000 events/s, ETA 15 s",
            CliProgress.Format("rebuild facts", 25_000, 100_000, "events", TimeSpan.FromSeconds(5)));
        Assert.Equal("audit verify: 1,000 / 1,000,000 rows (0 %), 100 rows/s, ETA 2 h 46 min",
            CliProgress.Format("audit verify", 1_000, 1_000_000, "rows", TimeSpan.FromSeconds(10)));
        Assert.EndsWith("ETA unknown", CliProgress.Format("x", 0, 10, "events", TimeSpan.FromSeconds(1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_come_at_most_once_a_second_and_once_at_the_end()
    {
        var clock = new ManualClock();
        using var output = new StringWriter();
        var progress = new CliProgress(output, "work", 100, "events", clock);

        clock.Advance(TimeSpan.FromMilliseconds(100));
        progress.Report(10);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        progress.Report(20);
        clock.Advance(TimeSpan.FromMilliseconds(600));
        progress.Report(30);
        progress.Report(100);
        progress.Report(100);
        progress.Finish(100);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("work: 10 / 100", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("work: 30 / 100", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("work: 100 / 100 events (100 %)", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("ETA 0 s", lines[2].TrimEnd(), StringComparison.Ordinal);

        // An estimate that was too high still ends with a line for what was done.
        using var shortfall = new StringWriter();
        var estimated = new CliProgress(shortfall, "work", 100, "events", clock);
        estimated.Report(40);
        estimated.Finish(60);
        Assert.StartsWith("work: 60 / 60 events (100 %)", shortfall.ToString().Split('\n')[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("projections", "rebuild", "--verify")]
    public async Task Long_verbs_report_progress_on_stderr_and_results_on_stdout(params string[] args)
    {
        var subject = Scenario.Id("progress");
        for (var i = 0; i < 3; i++)
            await factory.DefineQuantityFactAsync(Scenario.Id($"{subject}.f{i}"), subject);

        var (exitCode, stdout, stderr) = await CliRun.AgainstAsync(factory.Database.ConnectionString, args);

        Assert.True(exitCode == CliVerbs.Success, $"{stdout}\n{stderr}");
        Assert.Matches(ProgressLine(), stderr);
        Assert.DoesNotMatch(ProgressLine(), stdout);
    }

    [GeneratedRegex(@"\d[\d,]* / \d[\d,]* (events|rows) \(100 %\), [\d,]+ (events|rows)/s, ETA 0 s")]
    private static partial Regex ProgressLine();
}
