using SCOFacts.Benchmarks.Desk;
using SCOFacts.Benchmarks.EventStoreBench;
using SCOFacts.Benchmarks.Fixtures;
using SCOFacts.Benchmarks.LedgerBench;
using SCOFacts.Benchmarks.Quality;

// Usage: dotnet run -c Release --project tests/SCOFacts.Benchmarks [eventstore|ledger|quality|desk] [--quick] [--appends-only]
//   eventstore      the event store against raw Npgsql baselines (the default)
//   ledger          the ledger's sealer catching up against a raw INSERT of the same rows; proof sizes
//   quality         reconciliation quality on generated data with known truth
//   desk            a 100-claim fact's desk page against its plain GET, on the real host
//   fixture release-0011 DIR   not a measurement: writes the release's frozen database dump and answers (tests/fixtures/release-0011/README.md)
//   --quick         every workload scaled down about 20x: a smoke run, not a measurement
//   --appends-only  event store rows 1-4 only (skips loading and reading the 1M-event log)
var quick = args.Contains("--quick", StringComparer.Ordinal);
var appendsOnly = args.Contains("--appends-only", StringComparer.Ordinal);
var suite = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "eventstore";

switch (suite)
{
    case "eventstore":
        return await EventStoreSuite.RunAsync(quick, appendsOnly);

    case "ledger":
        return await LedgerSuite.RunAsync(quick);

    case "desk":
        return await DeskPageBenchmark.RunAsync(quick);

    case "fixture":
        return await ReleaseFixtureGenerator.RunAsync(args.Skip(1).ToList());

    case "quality":
        QualityBenchmark.Run(Console.Out);
        return 0;

    default:
        Console.Error.WriteLine($"Unknown benchmark suite '{suite}'. Use: eventstore (default), ledger, quality or desk, optionally with --quick; or fixture.");
        return 2;
}
