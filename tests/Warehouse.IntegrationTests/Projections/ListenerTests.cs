using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.EventStore;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;
using Warehouse.Projections.Rebuild;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

public sealed class ListenerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private sealed class Recorder : IStarSchemaListener
    {
        public List<long> Keys { get; } = [];
        public List<(string Schema, long FactsInCopy, bool InTransaction)> Rebuilt { get; } = [];

        public List<long> UncommittedCheckpoints { get; } = [];

        public List<(long LiveFacts, bool CopyGone)> SwappedIn { get; } = [];

        public async Task OnUsersChangedAsync(NpgsqlConnection connection, IReadOnlyCollection<long> userKeys, CancellationToken ct)
        {
            // Same transaction as the batch: its checkpoint is already advanced here, before it commits.
            UncommittedCheckpoints.Add(await connection.ExecuteScalarAsync<long>("select last_seq from warehouse.projection_checkpoints"));
            Keys.AddRange(userKeys);
        }

        public async Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct) =>
            Rebuilt.Add((schema, await connection.ExecuteScalarAsync<long>($"select count(*) from {schema}.fct_interactions"),
                await connection.ExecuteScalarAsync<bool>("select xact_start < statement_timestamp() from pg_stat_activity where pid = pg_backend_pid()")));

        public async Task OnSwappedInAsync(NpgsqlConnection connection, CancellationToken ct) =>
            SwappedIn.Add((await connection.ExecuteScalarAsync<long>("select count(*) from warehouse.fct_interactions"),
                await connection.ExecuteScalarAsync<bool>($"select to_regnamespace('{ProjectionRebuild.Schema}') is null")));
    }

    [Fact]
    public async Task listeners_hear_every_changed_person_including_keys_merged_away_and_rebuild_once_into_the_copy()
    {
        var recorder = new Recorder();
        var s = Guid.NewGuid().ToString("N")[..8];
        string user = "user-" + s, anon = "anon-" + s;
        await Projecting.AppendAsync(db.DataSource, Page(null, anon, T0), Page(user, null, T0.AddHours(1)));
        await Projecting.CatchUpAsync(db.DataSource, projector: Projecting.Projector(db.DataSource, recorder));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var anonKey = await conn.ExecuteScalarAsync<long>("select user_key from warehouse.identities where identity = @anon", new { anon });
        var userKey = await conn.ExecuteScalarAsync<long>("select user_key from warehouse.identities where identity = @user", new { user });
        Assert.Contains(anonKey, recorder.Keys);
        Assert.Contains(userKey, recorder.Keys);
        var newest = (await new PostgresEventStore(db.DataSource).GetHighWaterMarkAsync()).Newest;
        Assert.Equal(newest, recorder.UncommittedCheckpoints[^1]);

        recorder.Keys.Clear();
        await Projecting.AppendAsync(db.DataSource, Identify(user, anon, T0.AddHours(2)));
        await Projecting.CatchUpAsync(db.DataSource, projector: Projecting.Projector(db.DataSource, recorder));
        Assert.Equal(new[] { anonKey, userKey }.Order(), recorder.Keys.Distinct().Order());

        var facts = await conn.ExecuteScalarAsync<long>("select count(*) from warehouse.fct_interactions");
        await new ProjectionRebuild(db.DataSource, new PostgresEventStore(db.DataSource), [recorder], new ProjectionOptions(),
            "warehouse_reader", NullLoggerFactory.Instance).RunAsync(null, default);
        Assert.Equal([(ProjectionRebuild.Schema, facts, true)], recorder.Rebuilt);
        Assert.Equal([(facts, true)], recorder.SwappedIn); // once, on the swapped-in tables, after the swap committed
    }

    [Fact]
    public async Task after_a_rebuild_the_kpi_pre_aggregates_are_current_for_the_new_facts_and_equal_them()
    {
        var kpis = new Warehouse.Kpis.KpiPreaggregates();
        var s = Guid.NewGuid().ToString("N")[..8];
        await Projecting.AppendAsync(db.DataSource, Page(null, "anon-" + s, T0), Identify("user-" + s, "anon-" + s, T0.AddHours(1)),
            Page("user-" + s, null, T0.AddDays(8)));
        await Projecting.CatchUpAsync(db.DataSource, projector: Projecting.Projector(db.DataSource, kpis));

        await new ProjectionRebuild(db.DataSource, new PostgresEventStore(db.DataSource), [kpis], new ProjectionOptions(),
            "warehouse_reader", NullLoggerFactory.Instance).RunAsync(null, default);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.True(await conn.ExecuteScalarAsync<bool>("select kpi.preaggregates_current('UTC', null)"),
            "the pre-aggregates should be rebuilt (after the swap) for the swapped-in fact table");
        Assert.Equal([], await conn.QueryAsync<string>(
            "select relname from pg_class where relnamespace = 'warehouse'::regnamespace and relkind = 'r' and reltuples < 0"));
        foreach (var test in Warehouse.Database.Migrations.SqlScripts.DataTests())
            Assert.Empty(await conn.QueryAsync(test.Sql));
    }

    private sealed class FailingAfterSwap : IStarSchemaListener
    {
        public Task OnUsersChangedAsync(NpgsqlConnection connection, IReadOnlyCollection<long> userKeys, CancellationToken ct) => Task.CompletedTask;

        public Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct) => Task.CompletedTask;

        public async Task OnSwappedInAsync(NpgsqlConnection connection, CancellationToken ct) =>
            await connection.ExecuteAsync("select 1 / 0"); // a PostgreSQL error, as a failing refresh would raise
    }

    [Fact]
    public async Task a_failure_after_the_swap_does_not_undo_or_fail_the_rebuild()
    {
        var s = Guid.NewGuid().ToString("N")[..8];
        await Projecting.AppendAsync(db.DataSource, Page(null, "anon-" + s, T0));
        var report = await new ProjectionRebuild(db.DataSource, new PostgresEventStore(db.DataSource), [new FailingAfterSwap()],
            new ProjectionOptions(), "warehouse_reader", NullLoggerFactory.Instance).RunAsync(null, default);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(report.Checkpoint, await conn.ExecuteScalarAsync<long>("select last_seq from warehouse.projection_checkpoints"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            "select count(*) from warehouse.identities where identity = @id", new { id = "anon-" + s }));
    }
}
