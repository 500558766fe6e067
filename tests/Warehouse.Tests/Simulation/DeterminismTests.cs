using Warehouse.Simulation;
using Warehouse.Simulation.Delivery;
using Warehouse.Simulation.Generation;

namespace Warehouse.Tests.Simulation;

public sealed class DeterminismTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wh-sim-").FullName;

    private static SimulationOptions Options(int seed = 5) => new()
    {
        Users = 150, Days = 20, Start = new DateOnly(2026, 1, 5), Seed = seed, Products = 30,
    };

    private async Task<(byte[] Events, byte[] Products)> WriteAsync(SimulationOptions options, string name)
    {
        var path = Path.Combine(_dir, name + ".jsonl");
        await TrafficFileWriter.WriteAsync(TrafficGenerator.Generate(options), path, null, CancellationToken.None);
        return (await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(TrafficFileWriter.CataloguePath(path)));
    }

    [Fact]
    public async Task the_same_seed_writes_byte_identical_files()
    {
        var first = await WriteAsync(Options(), "first");
        var second = await WriteAsync(Options(), "second");

        Assert.True(first.Events.Length > 100_000, "the traffic should not be trivially small");
        Assert.Equal(first.Events, second.Events);
        Assert.Equal(first.Products, second.Products);
    }

    [Fact]
    public async Task a_different_seed_gives_different_traffic()
    {
        var first = await WriteAsync(Options(5), "five");
        var other = await WriteAsync(Options(6), "six");

        Assert.NotEqual(first.Events, other.Events);
    }

    [Fact]
    public void changing_the_fault_rates_changes_the_deliveries_but_not_the_events()
    {
        var calm = TrafficGenerator.Generate(Options() with { Faults = FaultRates.None });
        var rough = TrafficGenerator.Generate(Options() with { Faults = new FaultRates(0.3, 0.3, 0.3, 0.3) });

        Assert.Equal(calm.Events.Select(e => (e.MessageId, e.Time)), rough.Events.Select(e => (e.MessageId, e.Time)));
        Assert.NotEqual(calm.Deliveries.Count, rough.Deliveries.Count);
    }

    [Fact]
    public void each_message_id_belongs_to_one_event_and_every_event_is_delivered()
    {
        var traffic = TrafficGenerator.Generate(Options());

        Assert.Equal(traffic.Events.Count, traffic.Events.Select(e => e.MessageId).Distinct().Count());
        Assert.Equal(traffic.Events.Count, traffic.Deliveries.Count(d => d.Kind == DeliveryKind.Original));
        Assert.True(traffic.Events.All(e => e.Time >= traffic.Options.StartInstant && e.Time < traffic.Options.EndInstant));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
