using System.Text.RegularExpressions;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Ingestion;

/// <summary>A one-second run of `warehouse bench ingest`: it starts its server, loads it, and prints its summary line.</summary>
public sealed partial class IngestBenchSmokeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [GeneratedRegex(@"^ingest: (\d+) events/s, (\d+\.\d\d) of COPY ceiling$")]
    private static partial Regex SummaryLine();

    [Fact]
    public async Task a_tiny_bench_run_commits_events_and_ends_with_the_summary_line()
    {
        var exe = Path.Combine(AppContext.BaseDirectory, "warehouse");
        var run = await ExternalProcess.RunAsync(exe, ["bench", "ingest", "--duration", "1", "--warmup", "1", "--clients", "2", "--batch-size", "20", "--db", db.ConnectionString],
            timeout: TimeSpan.FromMinutes(4));
        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.TrimEnd().Split('\n');
        var summary = SummaryLine().Match(lines[^1].Trim());
        Assert.True(summary.Success, run.Stdout);
        Assert.True(long.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, run.Stdout);
        Assert.Contains(lines, l => l.StartsWith("server peak RSS:", StringComparison.Ordinal) && l.EndsWith(" MB", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("statuses:        200:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("server CPU:", StringComparison.Ordinal) && l.Contains(" µs per committed event (", StringComparison.Ordinal));
    }
}
