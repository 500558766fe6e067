using Dapper;
using Warehouse.Host.Cli.Simulate;
using Warehouse.Simulation.Verification;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Simulation;

public sealed class VerifyFailsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task verify_reports_a_readable_difference_when_an_order_event_is_dropped_before_projection()
    {
        SimTraffic traffic;
        await using (var ingestOnly = await TestServer.StartAsync(db.ConnectionString))
            traffic = await SimulatedTraffic.SendAsync(ingestOnly, db.DataSource, seed: 23);

        // Drop one order (every delivered copy of it) from the event store before the daemon ever sees it.
        var order = traffic.Events.First(e => e.Kind == SimEventKind.OrderCompleted && e.Time.Date < traffic.Options.LastDay.ToDateTime(TimeOnly.MinValue).AddDays(-7)).Order!;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            var dropped = await conn.ExecuteAsync(
                "delete from events.mt_events where data->>'event' = 'Order Completed' and data->'properties'->>'order_id' = @id",
                new { id = order.OrderId });
            Assert.True(dropped >= 1);
        }
        await using (var projecting = await TestServer.StartAsync(db.ConnectionString, SimulatedTraffic.DaemonOn))
            await SimulatedTraffic.WaitForProjectionsAsync(db.DataSource);

        var report = await SimulatedTraffic.VerifyAsync(traffic, db.DataSource);
        Assert.False(report.Matches);
        var orderEvent = traffic.Events.First(e => e.Order == order && e.Kind == SimEventKind.OrderCompleted);
        var day = DateOnly.FromDateTime(orderEvent.Time.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var lines = report.Differences.Select(d => d.ToString()).ToList();
        var expectedOrders = traffic.Events.Count(e => e.Kind == SimEventKind.OrderCompleted && e.Time.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) == day);
        Assert.Contains($"conversion [day={day}] orders: expected {expectedOrders}, warehouse {expectedOrders - 1} (-1)", lines);
        Assert.Contains(lines, l => l.StartsWith("order-value orders: expected", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"conversion [day={day}] revenue: expected", StringComparison.Ordinal) && l.EndsWith($"(-{order.Revenue.Normalize()})", StringComparison.Ordinal));

        // And the CLI's printer says so, with exit code 1.
        var output = new StringWriter();
        Assert.Equal(1, SimulationVerification.Print(report, SimulatedTraffic.Window(traffic), output));
        Assert.Contains("differences from the ground truth", output.ToString());
    }
}
