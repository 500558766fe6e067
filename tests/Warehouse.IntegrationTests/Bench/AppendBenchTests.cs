using System.Text.RegularExpressions;
using Warehouse.Host.Cli.Bench;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Bench;

public sealed partial class AppendBenchTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_tiny_bench_run_reports_each_writer_setting_and_ends_with_the_summary_line()
    {
        var output = new StringWriter();
        var result = await AppendBenchRunner.RunAsync(db.ConnectionString, new AppendBenchSettings(1_000, [1, 3], 100), output, CancellationToken.None);

        Assert.Equal([1, 3], result.Runs.Select(r => r.Writers));
        Assert.All(result.Runs, r =>
        {
            Assert.True(r.EventsPerSecond > 0 && r.Ratio > 0 && r.P99Ms >= r.P50Ms && r.BytesPerEvent > 300, r.ToString());
        });
        Assert.True(result.CeilingEventsPerSecond > 0);
        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Matches(SummaryLine(), lines[^1]);
        Assert.Contains(lines, l => l.StartsWith("COPY ceiling", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^append: \d+ events/s, \d+\.\d\d of COPY ceiling$")]
    private static partial Regex SummaryLine();
}
