using Npgsql;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.EventStore.EventStoreTestKit;

namespace Warehouse.IntegrationTests.EventStore;

public sealed class GroupCommitTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task concurrent_writers_are_merged_into_shared_transactions_with_contiguous_versions_and_no_lost_event()
    {
        await using var store = OneLane();
        var streams = Enumerable.Range(0, 10).Select(_ => NewStream()).ToArray();
        var calls = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var results = new List<(NewEvent Event, AppendedEvent Result)>();
            for (var c = 0; c < 20; c++)
            {
                var events = Events(25, i => streams[(w + c + i) % streams.Length]);
                var result = await store.AppendAsync(events);
                Assert.Equal(AppendStatus.Committed, result.Status);
                results.AddRange(events.Zip(result.Events));
            }
            return results;
        })).ToList();
        var appended = (await Task.WhenAll(calls)).SelectMany(r => r).ToList();

        Assert.All(appended, a => Assert.Equal(AppendOutcome.Appended, a.Result.Outcome));
        var stored = (await AllStoredAsync(db.DataSource)).Where(r => streams.Contains(r.Stream)).ToList();
        Assert.Equal(16 * 20 * 25, stored.Count);
        Assert.Equal(appended.Select(a => a.Event.Id).Order(), stored.Select(s => s.Id).Order());
        foreach (var group in stored.GroupBy(s => s.Stream))
        {
            // Contiguous from 1, and version order is sequence order.
            Assert.Equal(Enumerable.Range(1, group.Count()).Select(v => (long)v), group.OrderBy(s => s.Seq).Select(s => s.Version));
        }
        Assert.Equal(appended.Select(a => (a.Result.Sequence, a.Result.Version)).Order(), stored.Select(s => (s.Seq, s.Version)).Order());
        Assert.True(store.Stats.Transactions < store.Stats.Calls, $"{store.Stats.Calls} calls in {store.Stats.Transactions} transactions: none merged");
    }

    [Fact]
    public async Task many_concurrent_writers_over_two_lanes_lose_nothing_and_keep_versions_contiguous()
    {
        await using var store = new PostgresEventStore(db.DataSource, new EventStoreOptions { WriterLanes = 2 },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresEventStore>.Instance);
        var streams = Enumerable.Range(0, 40).Select(_ => NewStream()).ToArray();
        var calls = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var sent = new List<(NewEvent, AppendedEvent)>();
            for (var c = 0; c < 10; c++)
            {
                var events = Events(50, i => streams[(w * 7 + c * 3 + i) % streams.Length]);
                sent.AddRange(events.Zip((await store.AppendAsync(events)).Events));
            }
            return sent;
        })).ToList();
        var sent = (await Task.WhenAll(calls)).SelectMany(s => s).ToList();
        var stored = (await AllStoredAsync(db.DataSource)).Where(r => streams.Contains(r.Stream)).ToList();
        Assert.Equal(sent.Select(s => (s.Item1.Id, s.Item2.Sequence, s.Item2.Version)).Order(), stored.Select(s => (s.Id, s.Seq, s.Version)).Order());
        foreach (var group in stored.GroupBy(s => s.Stream))
            Assert.Equal(Enumerable.Range(1, group.Count()).Select(v => (long)v), group.OrderBy(s => s.Seq).Select(s => s.Version));
    }

    [Fact]
    public async Task duplicates_under_concurrency_from_two_stores_are_stored_once_and_appended_for_exactly_one_caller()
    {
        // Two stores = two writers (two processes): their transactions race on the unique event id.
        await using var a = new PostgresEventStore(db.DataSource);
        await using var b = new PostgresEventStore(db.DataSource);
        var stream = NewStream();
        var messages = Enumerable.Range(0, 60).Select(i => $"dup-{Guid.NewGuid():N}-{i}").ToArray();
        var calls = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? a : b;
            var mine = messages.Where((_, i) => (i + w) % 3 != 0).Select(m => Event(stream, m)).ToList();
            var result = await store.AppendAsync(mine);
            return mine.Zip(result.Events).ToList();
        })).ToList();
        var outcomes = (await Task.WhenAll(calls)).SelectMany(r => r).ToList();

        foreach (var group in outcomes.GroupBy(o => o.First.Id))
            Assert.Equal(1, group.Count(o => o.Second.Outcome == AppendOutcome.Appended));
        var read = await a.ReadStreamAsync(stream);
        Assert.Equal(messages.Length, read.Count);
        Assert.Equal(messages.Length, read.Select(e => e.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, messages.Length).Select(v => (long)v), read.Select(e => e.Version));
    }

    [Fact]
    public async Task a_full_queue_answers_overloaded_and_writes_nothing_of_that_call()
    {
        await using var store = new PostgresEventStore(db.DataSource, new EventStoreOptions { MaxQueuedEvents = 10 },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresEventStore>.Instance);
        var blocked = NewStream();
        await store.AppendAsync([Event(blocked)]);

        Task<AppendResult> first;
        AppendResult refused;
        var lateStream = NewStream();
        await using (await LockStreamAsync(db.DataSource, blocked))
        {
            first = store.AppendAsync(Events(6, _ => blocked));
            await WaitUntilAsync(() => SomeoneWaitsForALockAsync(db.DataSource), "the writer waits on the locked stream");
            refused = await store.AppendAsync(Events(5, _ => lateStream));
            Assert.False(first.IsCompleted);
        }
        Assert.Equal(AppendStatus.Overloaded, refused.Status);
        Assert.Empty(refused.Events);
        Assert.Equal(AppendStatus.Committed, (await first).Status);
        Assert.Empty(await store.ReadStreamAsync(lateStream));
        Assert.Equal(1, store.Stats.Overloaded);
        // The queue drained: the same call is accepted now.
        Assert.Equal(5, (await store.AppendAsync(Events(5, _ => lateStream))).AppendedCount);
    }

    [Fact]
    public async Task a_caller_completes_only_after_its_transaction_has_committed()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var stream = NewStream();
        await store.AppendAsync([Event(stream)]);
        var events = Events(3, _ => stream);

        Task<AppendResult> append;
        await using (await LockStreamAsync(db.DataSource, stream))
        {
            append = store.AppendAsync(events);
            await WaitUntilAsync(() => SomeoneWaitsForALockAsync(db.DataSource), "the writer waits on the locked stream");
            Assert.False(append.IsCompleted, "answered while its transaction could not have committed");
        }
        var result = await append;
        // The moment the answer arrives, any other session sees the events: the commit happened before it.
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from events.mt_events where id = any($1)", conn);
        cmd.Parameters.Add(new() { Value = events.Select(e => e.Id).ToArray() });
        Assert.Equal(3L, await cmd.ExecuteScalarAsync());
        Assert.Equal([2L, 3L, 4L], result.Events.Select(e => e.Version));
        // And the store does not weaken durability: the writer's sessions commit with the server default.
        await using var sync = new NpgsqlCommand("select setting from pg_settings where name = 'synchronous_commit'", conn);
        Assert.Equal("on", await sync.ExecuteScalarAsync());
    }

    [Fact]
    public async Task a_bad_call_merged_with_good_ones_fails_alone_and_the_others_commit()
    {
        await using var store = OneLane();
        var blocked = NewStream();
        await store.AppendAsync([Event(blocked)]);
        var good1 = Events(4, _ => NewStream());
        var bad = new List<NewEvent> { Event(NewStream()) with { Data = "{not json" } };
        var good2 = Events(4, _ => NewStream());

        Task<AppendResult> head, g1, g2;
        Task<AppendResult> b;
        await using (await LockStreamAsync(db.DataSource, blocked))
        {
            head = store.AppendAsync([Event(blocked)]);
            await WaitUntilAsync(() => SomeoneWaitsForALockAsync(db.DataSource), "the writer waits on the locked stream");
            // Queued together behind the blocked transaction, so the writer merges them into one.
            g1 = store.AppendAsync(good1);
            b = store.AppendAsync(bad);
            g2 = store.AppendAsync(good2);
        }
        await head;
        Assert.Equal(4, (await g1).AppendedCount);
        Assert.Equal(4, (await g2).AppendedCount);
        var error = await Assert.ThrowsAsync<PostgresException>(() => b);
        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
        Assert.Equal(1, store.Stats.Splits);
        Assert.Empty(await store.ReadStreamAsync(bad[0].StreamId));
    }

    [Fact]
    public async Task after_the_server_ends_every_session_the_writer_reconnects_and_appends_commit_again()
    {
        await using var store = OneLane();
        Assert.Equal(1, (await store.AppendAsync([Event(NewStream())])).AppendedCount);
        // The lane may hold its connection between transactions; end every session but this one, as a restart would.
        await using (var kill = db.DataSource.CreateCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"))
        {
            await kill.ExecuteScalarAsync();
        }

        // An append that meets a dead connection fails (ingestion answers 503, the SDK retries); a writer that kept
        // using it would fail forever. Each failure costs one dead connection, so a few attempts must get through.
        var stream = NewStream();
        var committed = false;
        for (var attempt = 0; attempt < 20 && !committed; attempt++)
        {
            try
            {
                committed = (await store.AppendAsync([Event(stream, "after-kill")])).AppendedCount == 1;
            }
            catch (NpgsqlException)
            {
                // a dead connection: the next attempt opens another
            }
        }
        Assert.True(committed, "no append committed after the server ended the sessions");
        Assert.Contains(await store.ReadStreamAsync(stream), e => e.Id == EventIds.ForMessage("web", "after-kill"));
    }

    [Fact]
    public async Task an_idle_lane_gives_its_connection_back()
    {
        // Unpooled, under its own name: a connection the lane gives back is closed, so its session disappears.
        var name = "lane-" + Guid.NewGuid().ToString("N")[..8];
        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false, ApplicationName = name }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(cs);
        await using var store = new PostgresEventStore(dataSource, new EventStoreOptions { WriterLanes = 1 },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresEventStore>.Instance);
        var stream = NewStream();
        for (var i = 0; i < 3; i++) Assert.Equal(1, (await store.AppendAsync([Event(stream, $"idle-{i}")])).AppendedCount);
        await WaitUntilAsync(async () =>
        {
            await using var count = db.DataSource.CreateCommand("select count(*) from pg_stat_activity where application_name = $1");
            count.Parameters.Add(new() { Value = name });
            return (long)(await count.ExecuteScalarAsync())! == 0;
        }, "the idle lane gave its connection back");
    }

    private PostgresEventStore OneLane() => new(db.DataSource, new EventStoreOptions { WriterLanes = 1 },
        Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresEventStore>.Instance);
}
