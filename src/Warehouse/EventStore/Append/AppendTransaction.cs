using Npgsql;
using NpgsqlTypes;

namespace Warehouse.EventStore;

/// <summary>
/// One set-based append inside the caller's transaction, in two round trips whatever the size: events.wh_reserve
/// (dedupe, stream versions, sequence numbers; see sql/migrations/0010_event_store.sql) and one binary COPY of the
/// fresh rows into mt_events. The group-commit writer runs it for merged calls; tests run it inside transactions
/// they pause or roll back.
/// </summary>
internal static class AppendTransaction
{
    public static async Task<AppendedEvent[]> WriteAsync(NpgsqlConnection conn, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var results = new AppendedEvent[events.Count];
        if (events.Count == 0) return results;
        var ids = new Guid[events.Count];
        var streams = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            ids[i] = events[i].Id;
            streams[i] = events[i].StreamId;
            results[i] = new AppendedEvent(AppendOutcome.Duplicate, 0, 0);
        }

        var fresh = new List<int>(events.Count);
        await using (var reserve = new NpgsqlCommand("select ord, seq_id, version from events.wh_reserve($1, $2)", conn))
        {
            reserve.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
            reserve.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
            await using var reader = await reserve.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var position = reader.GetInt32(0) - 1;
                results[position] = new AppendedEvent(AppendOutcome.Appended, reader.GetInt64(1), reader.GetInt64(2));
                fresh.Add(position);
            }
        }
        if (fresh.Count == 0) return results;

        // Sequence numbers were drawn in input order, so position order is sequence order: the heap and the
        // primary key grow at their right edge only.
        fresh.Sort();
        await using var copy = await conn.BeginBinaryImportAsync(
            "copy events.mt_events (seq_id, id, stream_id, version, data, type, timestamp, headers) from stdin (format binary)", ct);
        foreach (var position in fresh)
        {
            var e = events[position];
            var r = results[position];
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(r.Sequence, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(e.StreamId, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(r.Version, NpgsqlDbType.Bigint, ct);
            if (e.DataUtf8 is { } utf8) await copy.WriteAsync(utf8, NpgsqlDbType.Jsonb, ct);
            else await copy.WriteAsync(e.Data, NpgsqlDbType.Jsonb, ct);
            await copy.WriteAsync(e.Type, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(e.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            if (e.Headers is null) await copy.WriteNullAsync(ct);
            else await copy.WriteAsync(e.Headers, NpgsqlDbType.Jsonb, ct);
        }
        await copy.CompleteAsync(ct);
        return results;
    }
}
