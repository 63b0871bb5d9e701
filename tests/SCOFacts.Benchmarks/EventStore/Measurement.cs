using System.Diagnostics;

namespace SCOFacts.Benchmarks.EventStoreBench;

/// <summary>One measured segment: how long a fixed amount of work took, with per-operation latencies when there were operations.</summary>
internal sealed record Segment(long Operations, long Events, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}

/// <summary>Runs a fixed number of operations from several concurrent writers, timing each.</summary>
internal static class Writers
{
    /// <param name="writers">Concurrent writers.</param>
    /// <param name="operationsPerWriter">Operations each writer performs.</param>
    /// <param name="eventsPerOperation">Events each operation writes (for events/s).</param>
    /// <param name="operation">The work: (writer, index within writer).</param>
    public static async Task<Segment> RunAsync(int writers, int operationsPerWriter, int eventsPerOperation, Func<int, int, Task> operation)
    {
        var latencies = new double[writers * operationsPerWriter];
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var tasks = new Task[writers];
        for (var w = 0; w < writers; w++)
        {
            var writer = w;
            tasks[w] = Task.Run(async () =>
            {
                await start.Task;
                for (var i = 0; i < operationsPerWriter; i++)
                {
                    var began = Stopwatch.GetTimestamp();
                    await operation(writer, i);
                    latencies[writer * operationsPerWriter + i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                }
            });
        }
        clock.Start();
        start.SetResult();
        await Task.WhenAll(tasks);
        clock.Stop();
        var operations = (long)writers * operationsPerWriter;
        return new Segment(operations, operations * eventsPerOperation, clock.Elapsed, latencies);
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = p / 100.0 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }
}
