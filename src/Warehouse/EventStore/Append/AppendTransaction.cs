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
        await EventCopyRows.WriteAsync(conn, events, fresh, results, ct);
        return results;
    }
}
