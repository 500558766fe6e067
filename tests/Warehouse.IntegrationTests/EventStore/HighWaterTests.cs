using Npgsql;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using static Warehouse.IntegrationTests.EventStore.EventStoreTestKit;

namespace Warehouse.IntegrationTests.EventStore;

public sealed class HighWaterTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_rolled_back_transactions_numbers_are_passed_and_logged_as_a_gap()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var before = (await store.GetHighWaterMarkAsync()).Newest;
        AppendedEvent[] rolledBack;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            rolledBack = await AppendTransaction.WriteAsync(conn, Events(3, _ => NewStream()), CancellationToken.None);
            await tx.RollbackAsync();
        }
        var committed = await store.AppendAsync(Events(2, _ => NewStream()));

        await store.WaitForEventsAsync(committed.Events.Max(e => e.Sequence) - 1, TimeSpan.FromSeconds(20));
        var read = await store.ReadForwardAsync(before, 100);
        Assert.Equal(committed.Events.Select(e => e.Sequence).Order(), read.Select(e => e.Sequence));
        Assert.Contains((rolledBack.Min(e => e.Sequence), rolledBack.Max(e => e.Sequence)), await SkipsAsync());
    }

    [Fact]
    public async Task a_paused_transaction_holds_the_mark_below_its_numbers_until_it_ends()
    {
        await using var store = new PostgresEventStore(db.DataSource);
        var before = (await store.GetHighWaterMarkAsync()).Newest;
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var paused = await AppendTransaction.WriteAsync(conn, Events(2, _ => NewStream()), CancellationToken.None);
        var later = await store.AppendAsync(Events(3, _ => NewStream()));
        var lastLater = later.Events.Max(e => e.Sequence);
        Assert.True(later.Events.Min(e => e.Sequence) > paused[^1].Sequence);

        // Committed events exist above the paused numbers, however often the mark is asked for: it must not pass them.
        for (var poll = 0; poll < 25; poll++)
        {
            var mark = await store.GetHighWaterMarkAsync();
            Assert.True(mark.Safe < paused[0].Sequence, $"mark {mark.Safe} passed {paused[0].Sequence}, held by an open transaction");
            Assert.Equal(lastLater, mark.Newest);
            Assert.Empty(await store.ReadForwardAsync(paused[0].Sequence - 1, 100));
        }

        await tx.CommitAsync();
        await store.WaitForEventsAsync(lastLater - 1, TimeSpan.FromSeconds(20));
        var read = await store.ReadForwardAsync(before, 100);
        Assert.Equal(paused.Concat(later.Events).Select(e => e.Sequence).Order(), read.Select(e => e.Sequence));
        Assert.DoesNotContain(await SkipsAsync(), s => s.Start <= paused[^1].Sequence && s.End >= paused[0].Sequence);
    }

    [Fact]
    public async Task a_write_transaction_open_in_another_database_does_not_hold_the_mark_back()
    {
        // Another tenant of the same server (or another test class) with a long transaction that holds an xid.
        var other = TestPostgres.NewDatabaseName();
        var otherConnection = await TestPostgres.CreateEmptyDatabaseAsync(other);
        try
        {
            await using (var conn = new NpgsqlConnection(otherConnection))
            {
                await conn.OpenAsync();
                await using var tx = await conn.BeginTransactionAsync();
                await using (var cmd = new NpgsqlCommand("create table held(x int); insert into held values (1)", conn, tx))
                    await cmd.ExecuteNonQueryAsync();

                await using var store = new PostgresEventStore(db.DataSource);
                var result = await store.AppendAsync(Events(3, _ => NewStream()));
                var last = result.Events.Max(e => e.Sequence);
                var mark = await store.WaitForEventsAsync(last - 1, TimeSpan.FromSeconds(20));
                Assert.True(mark.Safe >= last, $"mark {mark.Safe} held below {last} by a transaction of another database");
                await tx.RollbackAsync();
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
    }

    [Fact]
    public async Task a_long_write_transaction_of_this_database_that_does_not_append_does_not_hold_the_mark_back()
    {
        // A projection rebuild chunk, a KPI refresh: they write (so they hold an xid) but never draw event numbers.
        // The store is running before it starts (a transaction older than the first tracker that saw the append lock
        // might still run wh_reserve's old body: migration 0033).
        await using var store = new PostgresEventStore(db.DataSource);
        await store.GetHighWaterMarkAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("create table public.held_here(x int); insert into public.held_here values (1)", conn, tx))
            await cmd.ExecuteNonQueryAsync();

        var result = await store.AppendAsync(Events(3, _ => NewStream()));
        var last = result.Events.Max(e => e.Sequence);
        var mark = await store.WaitForEventsAsync(last - 1, TimeSpan.FromSeconds(20));
        Assert.True(mark.Safe >= last, $"mark {mark.Safe} held below {last} by a transaction that never appends");
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task a_transaction_older_than_the_append_lock_still_holds_the_mark_while_it_may_draw_without_it()
    {
        // The upgrade to migration 0033: a transaction that began before any tracker saw wh_reserve take the append
        // lock may still run the old body, which draws numbers without it. Simulated by drawing directly.
        await using (var reset = db.DataSource.CreateCommand("delete from events.wh_append_lock_seen"))
            await reset.ExecuteNonQueryAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        long drawn;
        await using (var cmd = new NpgsqlCommand("select pg_current_xact_id(); select nextval('events.mt_events_sequence')", conn, tx))
        {
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            drawn = reader.GetInt64(0);
        }

        await using var store = new PostgresEventStore(db.DataSource); // its first call stores "seen since now"
        var later = await store.AppendAsync(Events(2, _ => NewStream()));
        for (var poll = 0; poll < 10; poll++)
        {
            var mark = await store.GetHighWaterMarkAsync();
            Assert.True(mark.Safe < drawn, $"mark {mark.Safe} passed {drawn}, drawn by a transaction older than the append lock");
        }
        await tx.RollbackAsync();
        var after = await store.WaitForEventsAsync(later.Events.Max(e => e.Sequence) - 1, TimeSpan.FromSeconds(20));
        Assert.True(after.Safe >= later.Events.Max(e => e.Sequence));
    }

    [Fact]
    public async Task a_new_store_starts_from_the_stored_mark()
    {
        long safe;
        await using (var first = new PostgresEventStore(db.DataSource))
        {
            var result = await first.AppendAsync(Events(3, _ => NewStream()));
            safe = (await first.WaitForEventsAsync(result.Events.Max(e => e.Sequence) - 1, TimeSpan.FromSeconds(20))).Safe;
        }
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select last_seq_id from events.mt_event_progression where name = 'HighWaterMark'", conn);
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= safe);
    }

    private async Task<List<(long Start, long End)>> SkipsAsync()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select starting_sequence, ending_sequence from events.mt_high_water_skips", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var skips = new List<(long, long)>();
        while (await reader.ReadAsync()) skips.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return skips;
    }
}
