using Warehouse.Kpis;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Verification;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Simulation;

public sealed class VerifyPassesTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task verify_finds_no_difference_on_a_correct_warehouse_despite_duplicates_late_events_skewed_clocks_and_double_fired_orders()
    {
        await using var server = await TestServer.StartAsync(db.ConnectionString, SimulatedTraffic.DaemonOn);
        var traffic = await SimulatedTraffic.SendAsync(server, db.DataSource, seed: 11);
        await SimulatedTraffic.WaitForProjectionsAsync(db.DataSource);

        var report = await SimulatedTraffic.VerifyAsync(traffic, db.DataSource);
        Assert.True(report.Matches, "differences:\n" + string.Join("\n", report.Differences));
        Assert.True(report.CellsCompared.Values.Sum() > 100, "too few cells compared to mean anything");

        // The same answer through the public API (GET /api/kpis with a bearer token).
        var token = await TokenStore.CreateAsync(db.DataSource, "simulator", [TokenStore.KpiRead]);
        var overHttp = await GroundTruthVerifier.VerifyAsync(traffic, SimulatedTraffic.Window(traffic), new HttpKpiReader(server.Client, token), CancellationToken.None);
        Assert.True(overHttp.Matches, "differences over HTTP:\n" + string.Join("\n", overHttp.Differences));
    }
}
