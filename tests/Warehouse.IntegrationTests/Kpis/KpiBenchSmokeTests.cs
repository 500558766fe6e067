using Warehouse.Host.Cli;

namespace Warehouse.IntegrationTests.Kpis;

public sealed class KpiBenchSmokeTests : KpiDatabase
{
    [Fact]
    public async Task a_tiny_bench_kpi_run_finds_identical_answers_and_ends_with_the_summary_line()
    {
        var output = new StringWriter();
        var original = Console.Out;
        int exit;
        try
        {
            Console.SetOut(output);
            exit = await WarehouseCli.RunAsync(["bench", "kpi", "--interactions", "3000", "--users", "300", "--db", ConnectionString]);
        }
        finally
        {
            Console.SetOut(original);
        }
        // Console.Out is process-wide: web hosts of tests running in parallel may log JSON lines into it meanwhile.
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('{')).ToArray();
        Assert.True(exit == 0, $"exit {exit}; output:\n{output}");
        Assert.Matches(@"^kpi: slowest [a-z-]+ [\d,]+ ms at 3k interactions$", lines[^1]);
    }
}
