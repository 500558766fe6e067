using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.EventStore;
using Warehouse.Host.Cli.Bench;
using Warehouse.IntegrationTests.Infrastructure;
using Warehouse.Projections;
using Warehouse.Projections.Daemon;
using Warehouse.Projections.Rebuild;
using static Warehouse.IntegrationTests.Projections.TrackerEvents;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>Leadership, fencing, crashes and poison events, each on its own database.</summary>
public sealed class DaemonTests
{
    private static ProjectionDaemon Daemon(NpgsqlDataSource ds, params IStarSchemaListener[] listeners) =>
        new(ds, new PostgresEventStore(ds), Projecting.Projector(ds, listeners),
            new ProjectionOptions { Daemon = new DaemonOptions { BatchSize = 100, PollMilliseconds = 20 } },
            NullLogger<ProjectionDaemon>.Instance);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private static Task<ProjectionLag> CaughtUpAsync(NpgsqlDataSource ds) =>
        new ProjectionStatus(ds, new PostgresEventStore(ds)).WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

    private static async Task<List<string>> RebuiltSnapshotAsync(NpgsqlDataSource ds)
    {
        await new ProjectionRebuild(ds, new PostgresEventStore(ds), [], new ProjectionOptions(), "warehouse_reader", NullLoggerFactory.Instance)
            .RunAsync(null, default);
        return await StarSchemaSnapshot.TakeAsync(ds);
    }

    [Fact]
    public async Task a_standby_takes_over_within_ten_seconds_when_the_leader_dies()
    {
        await using var db = new DatabaseFixture();
        await db.InitializeAsync();
        var leader = Daemon(db.DataSource);
        var standby = Daemon(db.DataSource);
        await leader.StartAsync(default);
        await WaitUntilAsync(() => leader.IsLeader, TimeSpan.FromSeconds(10), "the first daemon to lead");
        await standby.StartAsync(default);
        await Projecting.AppendAsync(db.DataSource, Page(null, "a1", T0));
        await CaughtUpAsync(db.DataSource);
        Assert.False(standby.IsLeader);

        // The leader's process dies: its session, and the lock with it, are gone.
        var clock = Stopwatch.StartNew();
        await using (var admin = await db.DataSource.OpenConnectionAsync())
            await admin.ExecuteAsync("select pg_terminate_backend(@pid)", new { pid = leader.LeaderBackendPid });
        await leader.StopAsync(default);
        await Projecting.AppendAsync(db.DataSource, Page(null, "a2", T0));
        await WaitUntilAsync(() => standby.IsLeader, TimeSpan.FromSeconds(10), "the standby to take over");
        await CaughtUpAsync(db.DataSource);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took over after {clock.Elapsed}");
        await standby.StopAsync(default);
        leader.Dispose();
        standby.Dispose();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task two_projectors_racing_for_the_same_range_apply_it_once()
    {
        await using var db = new DatabaseFixture();
        await db.InitializeAsync();
        await Projecting.AppendAsync(db.DataSource, Enumerable.Range(0, 50).Select(i => Page(null, "racer" + i % 5, T0.AddMinutes(i))).ToArray());
        var store = new PostgresEventStore(db.DataSource);
        long safe;
        do safe = (await store.GetHighWaterMarkAsync()).Safe; while (safe < 50);

        var outcomes = await Task.WhenAll(Projecting.Projector(db.DataSource).ProjectAsync(0, safe, default),
                                          Projecting.Projector(db.DataSource).ProjectAsync(0, safe, default));
        Assert.Single(outcomes, o => o.Advanced);
        Assert.All(outcomes, o => Assert.Equal(safe, o.Checkpoint));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(50, await conn.ExecuteScalarAsync<int>("select count(*) from warehouse.fct_interactions"));
        await db.DisposeAsync();
    }

    [Fact]
    public async Task two_daemons_under_continuous_traffic_never_double_apply()
    {
        await using var db = new DatabaseFixture();
        await db.InitializeAsync();
        var a = Daemon(db.DataSource);
        var b = Daemon(db.DataSource);
        await Task.WhenAll(a.StartAsync(default), b.StartAsync(default));
        var events = ProjectTraffic.Generate(persons: 60, seed: 3, start: T0);
        for (var i = 0; i < events.Count; i += 25) await Projecting.AppendAsync(db.DataSource, events.Skip(i).Take(25).ToArray());
        await CaughtUpAsync(db.DataSource);
        Assert.True(a.IsLeader ^ b.IsLeader);
        Assert.True(a.BatchesCommitted == 0 || b.BatchesCommitted == 0);
        await Task.WhenAll(a.StopAsync(default), b.StopAsync(default));
        var incremental = await StarSchemaSnapshot.TakeAsync(db.DataSource);
        StarSchemaSnapshot.AssertEqual(incremental, await RebuiltSnapshotAsync(db.DataSource));
        await db.DisposeAsync();
    }

    private sealed class StallingListener : IStarSchemaListener
    {
        public TaskCompletionSource<int> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task OnUsersChangedAsync(NpgsqlConnection connection, IReadOnlyCollection<long> userKeys, CancellationToken ct)
        {
            Entered.TrySetResult(connection.ProcessID);
            await Task.Delay(Timeout.Infinite, ct); // mid-batch: writes done, checkpoint not committed
        }

        public Task OnRebuiltAsync(NpgsqlConnection connection, string schema, CancellationToken ct) => Task.CompletedTask;
    }

    [Fact]
    public async Task killing_the_daemon_mid_batch_and_restarting_leaves_what_a_full_rebuild_gives()
    {
        await using var db = new DatabaseFixture();
        await db.InitializeAsync();
        var events = ProjectTraffic.Generate(persons: 40, seed: 11, start: T0);
        await Projecting.AppendAsync(db.DataSource, events.ToArray());

        var stalling = new StallingListener();
        var doomed = Daemon(db.DataSource, stalling);
        await doomed.StartAsync(default);
        var pid = await stalling.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using (var admin = await db.DataSource.OpenConnectionAsync())
            await admin.ExecuteAsync("select pg_terminate_backend(@pid)", new { pid });
        await doomed.StopAsync(default);
        doomed.Dispose();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select last_seq from warehouse.projection_checkpoints"));

        var restarted = Daemon(db.DataSource);
        await restarted.StartAsync(default);
        await CaughtUpAsync(db.DataSource);
        await restarted.StopAsync(default);
        restarted.Dispose();
        var incremental = await StarSchemaSnapshot.TakeAsync(db.DataSource);
        StarSchemaSnapshot.AssertEqual(incremental, await RebuiltSnapshotAsync(db.DataSource));
        await db.DisposeAsync();
    }

    [Fact]
    public async Task a_poison_event_lands_in_dead_letters_while_the_others_project()
    {
        await using var db = new DatabaseFixture();
        await db.InitializeAsync();
        var good1 = Page(null, "v1", T0);
        var poison = Page(null, "v2", T0);
        poison = poison with { Data = poison.Data.Replace(T0.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "not-a-date", StringComparison.Ordinal) };
        var good2 = Order(null, "v3", "o-1", T0, 10m, ("p", 10m, 1));
        await Projecting.AppendAsync(db.DataSource, good1, poison, good2);

        var daemon = Daemon(db.DataSource);
        await daemon.StartAsync(default);
        var lag = await CaughtUpAsync(db.DataSource);
        await daemon.StopAsync(default);
        daemon.Dispose();

        Assert.Equal(1, lag.DeadLetters);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var dead = await conn.QuerySingleAsync<(Guid EventId, string Error, string SqlState)>("select event_id, error, sqlstate from warehouse.projection_dead_letters");
        Assert.Equal(poison.Id, dead.EventId);
        Assert.Contains("not-a-date", dead.Error, StringComparison.Ordinal);
        Assert.StartsWith("22", dead.SqlState, StringComparison.Ordinal);
        var projected = (await conn.QueryAsync<string>("select interaction_id from warehouse.fct_interactions order by 1")).ToList();
        Assert.Equal(new[] { good1.Id.ToString(), good2.Id + ":1" }.Order(StringComparer.Ordinal), projected);
        await db.DisposeAsync();
    }
}
