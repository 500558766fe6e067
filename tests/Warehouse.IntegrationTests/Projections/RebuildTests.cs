using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Warehouse.EventStore;
using Warehouse.Host.Cli.Bench;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;
using Warehouse.Projections.Rebuild;

namespace Warehouse.IntegrationTests.Projections;

public sealed class RebuildTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private ProjectionRebuild Rebuild(int chunk = 50_000, int workers = 2) => new(db.DataSource, new PostgresEventStore(db.DataSource), [],
        new ProjectionOptions { RebuildChunkSize = chunk, RebuildWorkers = workers }, "warehouse_reader", NullLoggerFactory.Instance);

    [Theory]
    [InlineData(1, 500)] // in sequence: the daemon's own batches, big
    [InlineData(2, 500)] // in parallel: persons, products and orders decided first, then two workers by person
    [InlineData(3, 500)]
    [InlineData(2, 1_000_000)] // in parallel, one range: the copy's keys are built after the replay, not after a first range
    public async Task a_rebuild_produces_exactly_what_incremental_projection_produced_for_shuffled_random_traffic(int workers, int chunk)
    {
        var events = ProjectTraffic.Generate(persons: 150, seed: 7 + workers, start: TrackerEvents.T0);
        var random = new Random(7 + workers);
        for (var i = 0; i < events.Count;)
        {
            var n = random.Next(1, 60);
            await Projecting.AppendAsync(db.DataSource, events.Skip(i).Take(n).ToArray());
            i += n;
            if (random.Next(3) == 0) await Projecting.CatchUpAsync(db.DataSource, batchSize: random.Next(1, 200));
        }
        await Projecting.CatchUpAsync(db.DataSource, batchSize: 37);
        var incremental = await StarSchemaSnapshot.TakeAsync(db.DataSource);
        Assert.True(incremental.Count > events.Count, "the traffic should give more rows than events");
        const string keys = """
            select c.relname || ': ' || pg_get_indexdef(i.indexrelid) || coalesce(' (' || k.conname || ')', '')
            from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
            left join pg_constraint k on k.conindid = i.indexrelid
            where n.nspname = 'warehouse' order by 1
            """;
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var migrated = (await conn.QueryAsync<string>(keys)).ToList();

        var report = await Rebuild(chunk, workers).RunAsync(null, default);
        Assert.True(report.Events >= events.Count);
        Assert.Equal(workers, report.Workers);

        StarSchemaSnapshot.AssertEqual(incremental, await StarSchemaSnapshot.TakeAsync(db.DataSource));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "select count(*) from warehouse.dim_users d where (select count(*) from warehouse.dim_users x where x.anonymous_ids && d.anonymous_ids) > 1"));
        // The swapped-in tables look like the migrated ones: every key and index (a parallel replay builds some of
        // them late, SchemaCopy), views rebound, no leftovers.
        Assert.Equal(migrated, await conn.QueryAsync<string>(keys));
        Assert.Contains(migrated, k => k.Contains("identities_pkey", StringComparison.Ordinal));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from pg_namespace where nspname like 'warehouse_%'"));
        // The copy is filled unlogged for speed; nothing unlogged (table, index, identity sequence) may be swapped in.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'warehouse' and c.relpersistence <> 'p'"));
        // ...nor one that autovacuum leaves alone (the copies are filled with it off)...
        Assert.Equal([], await conn.QueryAsync<string>("""
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace left join pg_class t on t.oid = c.reltoastrelid
            where n.nspname = 'warehouse' and (c.reloptions is not null or t.reloptions is not null)
            """));
        // ...and every table goes live with planner statistics (reltuples -1 = never analyzed): without them the
        // daemon's first batches after a swap seq-scan the fact table.
        Assert.Equal([], await conn.QueryAsync<string>(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'warehouse' and c.relkind = 'r' and c.reltuples < 0"));
    }

    [Fact]
    public async Task readers_see_the_old_tables_until_the_swap_and_events_arriving_during_the_rebuild_are_not_lost()
    {
        var anon = Guid.NewGuid().ToString();
        await Projecting.AppendAsync(db.DataSource, TrackerEvents.Page(null, anon, TrackerEvents.T0), TrackerEvents.Page(null, anon, TrackerEvents.T0.AddMinutes(1)));
        await Projecting.CatchUpAsync(db.DataSource);
        await using var reader = await db.DataSource.OpenConnectionAsync();
        // Damage the live tables, as a projection bug would: the rebuild must repair it, but only at the swap.
        await reader.ExecuteAsync("delete from warehouse.fct_interactions where interaction_id in (select interaction_id from warehouse.fct_interactions limit 1)");
        var before = await reader.ExecuteScalarAsync<long>("select count(*) from warehouse.fct_interactions");

        var late = TrackerEvents.Page(null, anon, TrackerEvents.T0.AddMinutes(2));
        var rebuild = Rebuild();
        long seenBeforeSwap = -1;
        rebuild.BeforeSwap = async () =>
        {
            seenBeforeSwap = await reader.ExecuteScalarAsync<long>("select count(*) from warehouse.fct_interactions");
            await Projecting.AppendAsync(db.DataSource, late); // arrives while the rebuild runs
        };
        await rebuild.RunAsync(null, default);
        await Projecting.CatchUpAsync(db.DataSource); // the daemon's part: from the rebuilt checkpoint on

        Assert.Equal(before, seenBeforeSwap);
        Assert.Equal(before + 2, await reader.ExecuteScalarAsync<long>("select count(*) from warehouse.fct_interactions"));
        Assert.Equal(1, await reader.ExecuteScalarAsync<int>("select count(*) from warehouse.fct_interactions where interaction_id = @id", new { id = late.Id.ToString() }));
    }
}
