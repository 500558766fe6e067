using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Warehouse.EventStore;
using Warehouse.Projections;

namespace Warehouse.IntegrationTests.Projections;

/// <summary>Drives the projector directly (no daemon) until everything appended so far is projected.</summary>
internal static class Projecting
{
    public static BatchProjector Projector(NpgsqlDataSource ds, params IStarSchemaListener[] listeners) =>
        new(ds, listeners, NullLogger<BatchProjector>.Instance);

    public static async Task AppendAsync(NpgsqlDataSource ds, params NewEvent[] events)
    {
        var result = await new PostgresEventStore(ds).AppendAsync(events);
        Assert.Equal(AppendStatus.Committed, result.Status);
    }

    /// <summary>Projects in batches of <paramref name="batchSize"/> sequence numbers up to the newest allocated.</summary>
    public static async Task CatchUpAsync(NpgsqlDataSource ds, int batchSize = 1000, BatchProjector? projector = null)
    {
        projector ??= Projector(ds);
        var store = new PostgresEventStore(ds);
        var target = (await store.GetHighWaterMarkAsync()).Newest;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var conn = await ds.OpenConnectionAsync();
        var checkpoint = await conn.ExecuteScalarAsync<long>("select last_seq from warehouse.projection_checkpoints where name = 'star_schema'");
        while (checkpoint < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"projection stuck at {checkpoint} < {target}");
            var safe = (await store.GetHighWaterMarkAsync()).Safe;
            if (safe <= checkpoint) { await Task.Delay(10); continue; }
            var outcome = await projector.ProjectAsync(checkpoint, Math.Min(safe, checkpoint + batchSize), default);
            checkpoint = outcome.Checkpoint;
        }
    }
}
