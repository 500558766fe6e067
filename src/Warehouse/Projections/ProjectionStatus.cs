using Npgsql;
using Warehouse.EventStore;

namespace Warehouse.Projections;

/// <summary>
/// Where the projection stands against the event store, and a way for other code (the demo, tests, the
/// simulator) to wait until everything committed before the call is in the star schema.
/// </summary>
public sealed class ProjectionStatus(NpgsqlDataSource dataSource, IEventStore eventStore)
{
    public async Task<ProjectionLag> GetAsync(CancellationToken ct = default)
    {
        var mark = await eventStore.GetHighWaterMarkAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            select c.last_seq, c.updated_at,
                   extract(epoch from now() - (select e.timestamp from events.mt_events e where e.seq_id > c.last_seq order by e.seq_id limit 1))::float8,
                   (select count(*) from warehouse.projection_dead_letters)
            from warehouse.projection_checkpoints c where c.name = $1
            """, conn);
        cmd.Parameters.Add(new() { Value = BatchProjector.CheckpointName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException("warehouse.projection_checkpoints has no star_schema row: run `warehouse migrate`.");
        var checkpoint = reader.GetInt64(0);
        return new ProjectionLag(checkpoint, mark.Safe, mark.Newest, Math.Max(0, mark.Newest - checkpoint),
            reader.IsDBNull(2) ? 0 : Math.Max(0, reader.GetDouble(2)),
            new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero), reader.GetInt64(3));
    }

    /// <summary>
    /// Waits until the checkpoint reaches the newest sequence allocated when the call was made, so every event
    /// committed before the call is projected (needs a running daemon, here or in another process).
    /// </summary>
    public async Task<ProjectionLag> WaitForCatchUpAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var target = (await eventStore.GetHighWaterMarkAsync(ct)).Newest;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var delay = 10;
        try
        {
            while (true)
            {
                var lag = await GetAsync(deadline.Token);
                if (lag.Checkpoint >= target) return lag;
                await Task.Delay(delay, deadline.Token);
                delay = Math.Min(delay * 2, 200);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var lag = await GetAsync(ct);
            throw new TimeoutException(
                $"Projections did not reach sequence {target} within {timeout.TotalSeconds:0.#} s (checkpoint {lag.Checkpoint}, " +
                $"{lag.LagEvents} events behind). Is a projection daemon running (`warehouse serve` without --no-daemon)?");
        }
    }
}

/// <param name="Checkpoint">Every event with a sequence at or below it is in the star schema.</param>
/// <param name="SafeHighWater">The event store's safe high-water mark: how far the daemon may read.</param>
/// <param name="Newest">The newest allocated sequence.</param>
/// <param name="LagEvents">Newest − checkpoint (sequence numbers; rolled-back gaps included).</param>
/// <param name="LagSeconds">Age of the oldest event not yet projected (0 when caught up).</param>
public sealed record ProjectionLag(long Checkpoint, long SafeHighWater, long Newest, long LagEvents, double LagSeconds,
    DateTimeOffset CheckpointUpdatedAt, long DeadLetters);
