using Warehouse.Host.Cli.Bench;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Projections;

public sealed class ProjectBenchSmokeTests
{
    [Fact]
    public async Task bench_project_measures_rebuild_ceiling_and_freshness_on_a_tiny_store()
    {
        var server = await TestPostgres.GetAsync();
        var result = await ProjectBench.MeasureAsync(server.AdminConnectionString, 1_500, TimeSpan.FromSeconds(1), keep: false, default);
        Assert.True(result.Facts > 1_000, $"{result.Facts} facts");
        Assert.True(result.RebuildEventsPerSecond > 0 && result.CeilingEventsPerSecond > 0);
        Assert.False(double.IsNaN(result.FreshnessP99), "no freshness sample");
        Assert.Matches(@"^project: \d+ events/s rebuild, freshness p99 \d+ ms$", result.Summary);
    }
}
