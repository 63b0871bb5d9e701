using SCOFacts.Benchmarks.ApiBench;
using SCOFacts.Benchmarks.ColdStart;
using SCOFacts.Benchmarks.Desk;
using SCOFacts.Benchmarks.EventStoreBench;
using SCOFacts.Benchmarks.Fixtures;
using SCOFacts.Benchmarks.LedgerBench;
using SCOFacts.Benchmarks.NodesBench;
using SCOFacts.Benchmarks.Quality;
using SCOFacts.Benchmarks.TrustBench;
using SCOFacts.Benchmarks.WebhooksBench;

// Usage: dotnet run -c Release --project tests/SCOFacts.Benchmarks [eventstore|ledger|quality|desk|trust|api|webhooks|coldstart|nodes] [--quick] [--claims N] [--knownat-only] [--marten-only]
//   eventstore      appends on Marten (the product's event store) against a raw INSERT of the same events (the default)
//   ledger          the ledger's sealer catching up against a raw INSERT of the same rows; proof sizes; catch-up on
//                   Marten's daemon (the sealer, and a no-op projection) against a raw SELECT loop over mt_events
//   quality         reconciliation quality on generated data with known truth
//   desk            a 100-claim fact's desk page against its plain GET, on the real host
//   trust           50,000 claims imported on the real host: trust catch-up and a forced estimation against the bare estimator
//   --claims N      trust suite only: import the first N claims of the data set instead
//   api             GET /api/facts/{id} against /health/live at 16 connections; a claim on a 1,500-claim fact against a 3-claim one;
//                   knownAt reads of a 1,000-event fact (after its last event, and halfway through) against its plain GET;
//                   16 clients posting claims to one fact (share of 2xx, rps) against 16 clients on a fact each
//   --marten-only   ledger suite only: the catch-up rows on Marten's daemon alone
//   --knownat-only  api suite only: the knownAt rows alone (to repeat them for their spread)
//   nodes           three API processes on one database, in both Nodes:Distribution modes (HotCold, Wolverine): kill -9 of
//                   the node running the sealer to sealing resumed, and a clean stop (3 runs each), against each other
//                   and against one node in steady state (a write to sealed, the sealing rate under writes)
//   webhooks        an editor's rating that flips a verdict to its webhook delivered on loopback, against a bare POST to the same receiver
//   coldstart       the API as a real process (Production, pre-generated code) to its first answered GET, against starting it for `help`
//   fixture release-0011 DIR   not a measurement: writes the release's frozen database dump and answers (tests/fixtures/release-0011/README.md)
//   --quick         every workload scaled down about 20x: a smoke run, not a measurement
var quick = args.Contains("--quick", StringComparer.Ordinal);
var claimsAt = Array.IndexOf(args, "--claims");
int? claimLimit = claimsAt >= 0 && claimsAt + 1 < args.Length ? int.Parse(args[claimsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : null;
var suite = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (claimsAt < 0 || i != claimsAt + 1)).FirstOrDefault() ?? "eventstore";

switch (suite)
{
    case "eventstore":
        return await EventStoreSuite.RunAsync(quick);

    case "ledger":
        return await LedgerSuite.RunAsync(quick, args.Contains("--marten-only", StringComparer.Ordinal));

    case "desk":
        return await DeskPageBenchmark.RunAsync(quick);

    case "trust":
        return await TrustScaleBenchmark.RunAsync(quick, claimLimit);

    case "fixture":
        return await ReleaseFixtureGenerator.RunAsync(args.Skip(1).ToList());

    case "api":
        return await ApiSuite.RunAsync(quick, args.Contains("--knownat-only", StringComparer.Ordinal));

    case "webhooks":
        return await WebhookSuite.RunAsync(quick);

    case "coldstart":
        return await ColdStartSuite.RunAsync(quick);

    case "nodes":
        return await FailoverSuite.RunAsync(quick);

    case "quality":
        QualityBenchmark.Run(Console.Out);
        return 0;

    default:
        Console.Error.WriteLine($"Unknown benchmark suite '{suite}'. Use: eventstore (default), ledger, quality, desk, trust, api, webhooks, coldstart or nodes, optionally with --quick; or fixture.");
        return 2;
}
