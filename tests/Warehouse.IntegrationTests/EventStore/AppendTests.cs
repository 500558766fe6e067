using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.EventStore.EventStoreTestKit;

namespace Warehouse.IntegrationTests.EventStore;

public sealed class AppendTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task duplicates_inside_one_call_and_across_calls_are_reported_and_first_write_wins()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var stream = NewStream();
        var first = await store.AppendAsync([Event(stream, "m1"), Event(stream, "m2"), Event(stream, "m1")]);
        Assert.Equal([AppendOutcome.Appended, AppendOutcome.Appended, AppendOutcome.Duplicate], first.Events.Select(e => e.Outcome));
        Assert.Equal([1L, 2L], first.Events.Take(2).Select(e => e.Version));

        var second = await store.AppendAsync([Event(stream, "m2"), Event(stream, "m3"), Event(stream, "m1", source: "app")]);
        Assert.Equal([AppendOutcome.Duplicate, AppendOutcome.Appended, AppendOutcome.Appended], second.Events.Select(e => e.Outcome));
        Assert.Equal(2, second.AppendedCount);
        Assert.Equal(1, second.DuplicateCount);

        var events = await store.ReadStreamAsync(stream);
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Version));
        Assert.True(events.Select(e => e.Sequence).SequenceEqual(events.Select(e => e.Sequence).Order()));
        Assert.Equal("""{"type": "track", "event": "Product Viewed", "messageId": "m1"}""", events[0].Data);
    }

    [Fact]
    public async Task a_repeated_id_in_one_call_on_another_stream_is_a_duplicate_at_the_later_position()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var streams = Enumerable.Range(0, 8).Select(_ => NewStream()).ToArray();
        // The same message under eight streams: whatever lanes the streams fall in, the first position wins.
        var events = streams.Select(s => Event(s, "same-message")).ToList();
        var result = await store.AppendAsync(events);
        Assert.Equal([AppendOutcome.Appended, .. Enumerable.Repeat(AppendOutcome.Duplicate, 7)], result.Events.Select(e => e.Outcome));
        Assert.Single(await store.ReadStreamAsync(streams[0]));
    }

    [Fact]
    public async Task a_duplicate_of_a_stored_event_keeps_the_first_payload()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var stream = NewStream();
        var original = Event(stream, "keep-me");
        await store.AppendAsync([original]);
        var retry = original with { Data = """{"type":"track","event":"Changed"}""", StreamId = NewStream() };
        var result = await store.AppendAsync([retry]);
        Assert.Equal(AppendOutcome.Duplicate, Assert.Single(result.Events).Outcome);
        Assert.Contains("Product Viewed", Assert.Single(await store.ReadStreamAsync(stream)).Data);
        Assert.Empty(await store.ReadStreamAsync(retry.StreamId));
    }

    [Fact]
    public async Task one_call_appends_to_many_streams_with_contiguous_versions_and_one_global_order()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var streams = Enumerable.Range(0, 7).Select(_ => NewStream()).ToArray();
        var events = Events(200, i => streams[(i * 7919) % streams.Length]);
        var result = await store.AppendAsync(events);
        Assert.Equal(200, result.AppendedCount);
        Assert.Equal(200, result.Events.Select(e => e.Sequence).Distinct().Count());
        foreach (var stream in streams)
        {
            var read = await store.ReadStreamAsync(stream);
            Assert.Equal(Enumerable.Range(1, read.Count).Select(v => (long)v), read.Select(e => e.Version));
            // Within a stream, input order is version order is sequence order.
            var mine = events.Zip(result.Events).Where(x => x.First.StreamId == stream).Select(x => x.Second.Sequence).ToList();
            Assert.Equal(mine.Order(), mine);
            Assert.Equal(mine, read.Select(e => e.Sequence));
        }
    }

    [Fact]
    public async Task read_forward_returns_committed_events_in_sequence_order_and_pages()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var before = (await store.GetHighWaterMarkAsync()).Newest;
        var result = await store.AppendAsync(Events(10, i => $"anon:rf{i % 3}"));

        var mark = await store.WaitForEventsAsync(before, TimeSpan.FromSeconds(10));
        Assert.True(mark.Safe >= result.Events.Max(e => e.Sequence), $"the mark {mark.Safe} should cover the committed call");
        var page1 = await store.ReadForwardAsync(before, 4);
        var page2 = await store.ReadForwardAsync(page1[^1].Sequence, 100);
        Assert.Equal(result.Events.Select(e => e.Sequence).Order(), page1.Concat(page2).Select(e => e.Sequence));
        Assert.Equal(0, (await store.GetHighWaterMarkAsync()).Lag);
    }

    [Fact]
    public async Task an_empty_call_is_committed_with_nothing_in_it()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var result = await store.AppendAsync([]);
        Assert.Equal(AppendStatus.Committed, result.Status);
        Assert.Empty(result.Events);
    }
    [Fact]
    public async Task an_event_given_as_utf8_bytes_is_stored_as_the_same_json_as_its_text_form()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var stream = NewStream();
        // Written as jsonb prints it (keys by length), so the stored text must equal it byte for byte.
        const string json = """{"n": 12345678901234567890, "type": "track", "event": "Café 🚀 Größe"}""";
        var fromBytes = new NewEvent(EventIds.ForMessage("web", "utf8-1"), stream, "track", System.Text.Encoding.UTF8.GetBytes(json), null, DateTimeOffset.UtcNow);
        Assert.Equal(json, fromBytes.Data);
        Assert.Equal(fromBytes with { }, new NewEvent(fromBytes.Id, stream, "track", json, null, fromBytes.Timestamp));
        var replaced = fromBytes with { Data = """{"type": "track", "event": "Replaced"}""" };
        Assert.Null(replaced.DataUtf8);

        var result = await store.AppendAsync([fromBytes, replaced with { Id = EventIds.ForMessage("web", "utf8-2") }]);
        Assert.Equal(2, result.AppendedCount);
        var stored = await store.ReadStreamAsync(stream);
        Assert.Equal([json, """{"type": "track", "event": "Replaced"}"""], stored.Select(e => e.Data));
    }

    [Fact]
    public async Task every_field_survives_the_binary_copy_exactly_across_buffer_flushes_and_a_row_bigger_than_the_buffer()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var stream = NewStream("user") + ":Größe 🚀";
        var at = new DateTimeOffset(2026, 11, 22, 10, 11, 12, TimeSpan.Zero).AddTicks(1_234_567); // .1234567 s: stored to the µs
        var events = new List<NewEvent>();
        for (var i = 0; i < 300; i++) // about 300 KB of rows: several 64 KB buffers
        {
            var json = $$"""{"k": "{{i}} Café {{new string('x', 900)}}"}""";
            events.Add(i % 2 == 0
                ? new NewEvent(EventIds.ForMessage("web", $"copy-{i}"), stream, "track", json, i % 3 == 0 ? null : $$"""{"i": {{i}}}""", at.AddDays(-i * 500))
                : new NewEvent(EventIds.ForMessage("web", $"copy-{i}"), stream, "page", System.Text.Encoding.UTF8.GetBytes(json), $$"""{"i": {{i}}}""", at));
        }
        var big = $$"""{"k": "{{new string('é', 150_000)}}"}"""; // 300 KB in UTF-8: bigger than the copy buffer
        events.Insert(150, new NewEvent(EventIds.ForMessage("web", "copy-big"), stream, "identify", big, null, at));

        var result = await store.AppendAsync(events);
        Assert.Equal(events.Count, result.AppendedCount);
        var stored = await store.ReadStreamAsync(stream);
        Assert.Equal(events.Count, stored.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var (e, s) = (events[i], stored[i]);
            Assert.Equal((e.Id, e.StreamId, e.Type, e.Data, e.Headers, i + 1L), (s.Id, s.StreamId, s.Type, s.Data, s.Headers, s.Version));
            // Microseconds counted from PostgreSQL's epoch (2000-01-01), truncated toward it, as Npgsql writes them.
            const long epoch = 630_822_816_000_000_000;
            Assert.Equal(((e.Timestamp.UtcTicks - epoch) / 10 * 10) + epoch, s.Timestamp.UtcTicks);
            Assert.Equal(result.Events[i].Sequence, s.Sequence);
        }
    }
}
