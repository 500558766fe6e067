using Npgsql;
using Warehouse.EventStore;
using Warehouse.Ingestion;
using Warehouse.Projections;
using Warehouse.Simulation;
using Warehouse.Simulation.Generation;
using Warehouse.Simulation.GroundTruth;
using Warehouse.Simulation.Model;
using Warehouse.Simulation.Sending;
using Warehouse.Simulation.Verification;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.Simulation;

/// <summary>A small simulation with every fault turned up, sent through the real HTTP ingestion.</summary>
internal static class SimulatedTraffic
{
    public static SimulationOptions Options(int seed) => new()
    {
        Users = 80,
        Days = 21,
        Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-40),
        Seed = seed,
        Products = 40,
        Faults = new FaultRates(Duplicate: 0.05, Late: 0.08, ClockSkew: 0.15, DoubleFiredOrder: 0.3),
    };

    public static TruthWindow Window(SimTraffic traffic) => new(traffic.Options.Start, traffic.Options.LastDay, "UTC");

    public static async Task<SimTraffic> SendAsync(TestServer server, NpgsqlDataSource dataSource, int seed)
    {
        var traffic = TrafficGenerator.Generate(Options(seed));
        var writeKey = await SourceRegistry.CreateAsync(dataSource, $"sim-{seed}", CancellationToken.None);
        var sender = new SegmentHttpSender(server.Client, writeKey, new SenderOptions(MaxBatchEvents: 200));
        await sender.SendCatalogueAsync(traffic.Catalogue, CancellationToken.None);
        var report = await sender.SendAsync(traffic.Deliveries, null, CancellationToken.None);
        Assert.Equal(0, report.Rejected);
        return traffic;
    }

    public static async Task WaitForProjectionsAsync(NpgsqlDataSource dataSource)
    {
        await using var store = new PostgresEventStore(dataSource);
        await new ProjectionStatus(dataSource, store).WaitForCatchUpAsync(TimeSpan.FromSeconds(90));
    }

    public static Task<VerificationReport> VerifyAsync(SimTraffic traffic, NpgsqlDataSource dataSource) =>
        GroundTruthVerifier.VerifyAsync(traffic, Window(traffic), new DbKpiReader(dataSource), CancellationToken.None);

    public static Dictionary<string, string?> DaemonOn => new() { ["Projections:Daemon:Enabled"] = "true" };
}
