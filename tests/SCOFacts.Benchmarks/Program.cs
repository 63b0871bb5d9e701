Console.WriteLine("SCOFacts benchmarks");
