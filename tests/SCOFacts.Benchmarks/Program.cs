using SCOFacts.Benchmarks.Quality;

if (args is ["quality", ..])
{
    QualityBenchmark.Run(Console.Out);
    return;
}

Console.WriteLine("SCOFacts benchmarks");
