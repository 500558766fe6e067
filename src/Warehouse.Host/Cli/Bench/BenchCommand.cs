using System.CommandLine;

namespace Warehouse.Host.Cli.Bench;

/// <summary>
/// `warehouse bench &lt;what&gt;`: measurements the project ships, one file per benchmark in this folder.
/// Benchmarks are commands, not tests; each prints its figures and ends with one summary line.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var bench = new Command("bench", "Measure throughput and latency on this machine (each prints a one-line summary last).");
        // One line per benchmark: append (event store), ingest (HTTP), project (daemon), kpi (views).
        bench.Subcommands.Add(KpiBench.Build());
        bench.Subcommands.Add(AppendBench.Build());
        bench.Subcommands.Add(IngestBench.Build());
        bench.Subcommands.Add(ProjectBench.Build());
        return bench;
    }
}
