using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;

namespace Warehouse.IntegrationTests.EventStore;

public sealed class AppendTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static NewEvent Event(string source, string messageId, string stream) =>
        new(EventIds.ForMessage(source, messageId), stream, "track",
            $$"""{"type":"track","event":"Product Viewed","messageId":"{{messageId}}"}""", """{"source":"web"}""", DateTimeOffset.UtcNow);

    [Fact]
    public async Task duplicates_inside_one_call_and_across_calls_are_reported_and_first_write_wins()
    {
        var store = new PostgresEventStore(db.DataSource);
        var stream = $"anon:{Guid.NewGuid()}";
        var first = await store.AppendAsync([Event("web", "m1", stream), Event("web", "m2", stream), Event("web", "m1", stream)]);
        Assert.Equal([AppendOutcome.Appended, AppendOutcome.Appended, AppendOutcome.Duplicate], first.Events.Select(e => e.Outcome));
        Assert.Equal([1L, 2L], first.Events.Take(2).Select(e => e.Version));

        var second = await store.AppendAsync([Event("web", "m2", stream), Event("web", "m3", stream), Event("app", "m1", stream)]);
        Assert.Equal([AppendOutcome.Duplicate, AppendOutcome.Appended, AppendOutcome.Appended], second.Events.Select(e => e.Outcome));

        var events = await store.ReadStreamAsync(stream);
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Version));
        Assert.True(events.Select(e => e.Sequence).SequenceEqual(events.Select(e => e.Sequence).Order()));
    }

    [Fact]
    public async Task read_forward_returns_committed_events_in_sequence_order()
    {
        var store = new PostgresEventStore(db.DataSource);
        var before = (await store.GetHighWaterMarkAsync()).Newest;
        var result = await store.AppendAsync(Enumerable.Range(0, 10).Select(i => Event("web", $"rf-{Guid.NewGuid()}", $"anon:rf{i % 3}")).ToList());

        IReadOnlyList<StoredEvent> read = [];
        for (var i = 0; i < 50 && read.Count < 10; i++) read = await store.ReadForwardAsync(before, 100);
        Assert.Equal(result.Events.Select(e => e.Sequence), read.Select(e => e.Sequence));
    }
}
