using Npgsql;
using Warehouse.EventStore;

namespace Warehouse.IntegrationTests.EventStore;

/// <summary>Events, raw transactions and condition waits shared by the event-store tests.</summary>
internal static class EventStoreTestKit
{
    public static NewEvent Event(string stream, string? messageId = null, string source = "web") =>
        new(EventIds.ForMessage(source, messageId ??= Guid.NewGuid().ToString("N")), stream, "track",
            $$"""{"type":"track","event":"Product Viewed","messageId":"{{messageId}}"}""", """{"source":"web"}""", DateTimeOffset.UtcNow);

    public static List<NewEvent> Events(int count, Func<int, string> stream) =>
        Enumerable.Range(0, count).Select(i => Event(stream(i))).ToList();

    public static string NewStream(string prefix = "anon") => $"{prefix}:{Guid.NewGuid():N}";

    /// <summary>Polls <paramref name="condition"/> until true; fails the test with <paramref name="what"/> at the deadline.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>True while some session of this database waits for a lock (e.g. the writer, on a row a test holds).</summary>
    public static async Task<bool> SomeoneWaitsForALockAsync(NpgsqlDataSource dataSource)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "select exists (select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock')", conn);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Holds a row lock on a stream (it must exist) until disposed: appends to it block meanwhile.</summary>
    public static async Task<IAsyncDisposable> LockStreamAsync(NpgsqlDataSource dataSource, string stream)
    {
        var conn = await dataSource.OpenConnectionAsync();
        var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("select 1 from events.mt_streams where id = $1 for update", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = stream });
            Assert.Equal(1, await cmd.ExecuteScalarAsync());
        }
        return new Releaser(async () => { await tx.RollbackAsync(); await conn.DisposeAsync(); });
    }

    public static async Task<List<(long Seq, Guid Id, string Stream, long Version)>> AllStoredAsync(NpgsqlDataSource dataSource)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("select seq_id, id, stream_id, version from events.mt_events order by seq_id", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(long, Guid, string, long)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3)));
        return rows;
    }

    private sealed class Releaser(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }
}
