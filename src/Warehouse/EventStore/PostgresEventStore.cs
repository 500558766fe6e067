using Npgsql;
using NpgsqlTypes;

namespace Warehouse.EventStore;

/// <summary>
/// The event store on PostgreSQL. First version: one events.wh_append call per AppendAsync (set-based,
/// one round trip), and the xid-based high-water mark. Group commit and back-pressure come with issue 3.
/// </summary>
public sealed class PostgresEventStore(NpgsqlDataSource dataSource) : IEventStore
{
    private readonly HighWaterTracker _highWater = new(dataSource);

    public async Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        if (events.Count == 0) return new AppendResult(AppendStatus.Committed, []);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "select ord, seq_id, version, duplicate from events.wh_append($1, $2, $3, $4, $5, $6)", conn);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = events.Select(e => e.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Type).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = events.Select(e => e.Headers).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = events.Select(e => e.Timestamp.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });

        var results = new AppendedEvent[events.Count];
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var ord = reader.GetInt32(0) - 1;
            results[ord] = reader.GetBoolean(3)
                ? new AppendedEvent(AppendOutcome.Duplicate, 0, 0)
                : new AppendedEvent(AppendOutcome.Appended, reader.GetInt64(1), reader.GetInt64(2));
        }
        return new AppendResult(AppendStatus.Committed, results);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadForwardAsync(long afterSequence, int max, CancellationToken ct = default)
    {
        var safe = (await _highWater.GetAsync(ct)).Safe;
        if (safe <= afterSequence) return [];
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            select {Columns} from events.mt_events
            where seq_id > $1 and seq_id <= $2 order by seq_id limit $3
            """, conn);
        cmd.Parameters.Add(new() { Value = afterSequence });
        cmd.Parameters.Add(new() { Value = safe });
        cmd.Parameters.Add(new() { Value = max });
        return await ReadAllAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"select {Columns} from events.mt_events where stream_id = $1 order by version", conn);
        cmd.Parameters.Add(new() { Value = streamId });
        return await ReadAllAsync(cmd, ct);
    }

    public Task<HighWaterMark> GetHighWaterMarkAsync(CancellationToken ct = default) => _highWater.GetAsync(ct);

    private const string Columns = "seq_id, id, stream_id, version, type, data::text, headers::text, timestamp";

    private static async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero)));
        }
        return list;
    }
}
