using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.EventStore.EventStoreTestKit;

namespace Warehouse.IntegrationTests.EventStore;

public sealed class EventStoreHealthTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task health_shows_the_high_water_mark_its_lag_and_the_configured_queue_bound()
    {
        await using var server = await TestServer.StartAsync(db.ConnectionString,
            new Dictionary<string, string?> { ["EventStore:MaxQueuedEvents"] = "777", ["EventStore:WriterLanes"] = "3" });
        var store = server.Services.GetRequiredService<IEventStore>();
        var result = await store.AppendAsync(Events(5, _ => NewStream()));
        await store.WaitForEventsAsync(result.Events.Max(e => e.Sequence) - 1, TimeSpan.FromSeconds(20));

        using var response = await server.Client.GetAsync("/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var section = body.RootElement.GetProperty("checks").GetProperty("eventStore");
        Assert.Equal("ok", section.GetProperty("status").GetString());
        Assert.True(section.GetProperty("highWaterMark").GetInt64() >= result.Events.Max(e => e.Sequence));
        Assert.Equal(0, section.GetProperty("lag").GetInt64());
        Assert.Equal(777, section.GetProperty("maxQueuedEvents").GetInt32());
        Assert.True(section.GetProperty("writers").GetProperty("transactions").GetInt64() >= 1);
    }
}
