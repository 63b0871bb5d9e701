using SCOFacts.Benchmarks.ApiBench;
using SCOFacts.Benchmarks.Desk;
using SCOFacts.Benchmarks.EventStoreBench;
using SCOFacts.Benchmarks.LedgerBench;
using SCOFacts.Benchmarks.Quality;

// Usage: dotnet run -c Release --project tests/SCOFacts.Benchmarks [eventstore|ledger|quality|desk|api] [--quick] [--appends-only]
//   eventstore      the event store against raw Npgsql baselines (the default)
//   ledger          the ledger's sealer catching up against a raw INSERT of the same rows; proof sizes
//   quality         reconciliation quality on generated data with known truth
//   desk            a 100-claim fact's desk page against its plain GET, on the real host
//   api             GET /api/facts/{id} against /health/live at 16 connections; a claim on a 1,500-claim fact against a 3-claim one
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

    case "api":
        return await ApiSuite.RunAsync(quick);

    case "quality":
        QualityBenchmark.Run(Console.Out);
        return 0;

    default:
        Console.Error.WriteLine($"Unknown benchmark suite '{suite}'. Use: eventstore (default), ledger, quality, desk or api, optionally with --quick.");
        return 2;
}
