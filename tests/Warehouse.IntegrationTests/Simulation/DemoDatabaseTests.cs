using Spectre.Console;
using Warehouse.Host.Cli;
using Warehouse.Host.Cli.Demo;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Simulation;

public sealed class DemoDatabaseTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_demo_refuses_a_configured_database_that_already_holds_events()
    {
        await using (var server = await TestServer.StartAsync(db.ConnectionString))
            await SimulatedTraffic.SendAsync(server, db.DataSource, seed: 4);
        var parse = WarehouseCli.Build().Parse(["demo", "--db", db.ConnectionString]);

        var e = await Assert.ThrowsAsync<CliUsageException>(() =>
            DemoRunner.RunAsync(parse, new DemoSettings("http://127.0.0.1:0", 10, 5, 1, true), AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), CancellationToken.None));
        Assert.Contains("empty database", e.Message);
    }
}
