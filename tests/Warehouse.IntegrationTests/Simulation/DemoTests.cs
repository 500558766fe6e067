using Spectre.Console;
using Warehouse.Host.Cli;
using Warehouse.Host.Cli.Demo;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Simulation;

public sealed class DemoTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_small_demo_reaches_a_summary_that_matches_the_ground_truth_and_prints_the_urls()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        var parse = WarehouseCli.Build().Parse(["demo", "--db", db.ConnectionString]);

        var exit = await DemoRunner.RunAsync(parse, new DemoSettings("http://127.0.0.1:0", Users: 40, Days: 14, Seed: 3, ExitAfterSummary: true), console, CancellationToken.None);

        var text = output.ToString();
        Assert.True(exit == 0, text);
        foreach (var expected in new[] { "New users by first-touch source", "Funnel", "Weekly retention", "Ground truth check: all", "/openapi/v1.json", "/health", "/api/kpis/" })
            Assert.Contains(expected, text);
    }
}
