using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Warehouse.Ingestion;

/// <summary>A rejected message as `warehouse quarantine list` shows it.</summary>
public sealed record QuarantinedMessage(long Id, string? Source, DateTimeOffset ReceivedAt, string Path, int? BatchIndex,
    string? MessageId, string Reason, byte[] Raw, string? Ip)
{
    /// <summary>The raw bytes as text (invalid UTF-8 shown as U+FFFD); the stored bytes stay verbatim.</summary>
    public string RawText => Encoding.UTF8.GetString(Raw);
}

/// <summary>
/// ingest.quarantine: every rejected message with its raw bytes and the reason. Written in one statement per
/// request, before the response, so a client that was told "rejected" can always find the message here.
/// </summary>
public static class QuarantineStore
{
    public static async Task AddAsync(NpgsqlDataSource dataSource, long? sourceId, string path, string? ip,
        IReadOnlyCollection<Rejection> rejections, CancellationToken ct)
    {
        if (rejections.Count == 0) return;
        await using var cmd = dataSource.CreateCommand("""
            insert into ingest.quarantine (source_id, path, batch_index, message_id, reason, raw, raw_sha256, ip)
            select $1, $2, t.idx, t.mid, t.reason, t.raw, sha256(t.raw), $3
            from unnest($4::int[], $5::text[], $6::text[], $7::bytea[]) as t(idx, mid, reason, raw)
            on conflict do nothing
            """);
        cmd.Parameters.Add(new() { Value = sourceId is null ? DBNull.Value : sourceId.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = path });
        cmd.Parameters.Add(new() { Value = ip is null ? DBNull.Value : ip, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = rejections.Select(r => r.Index < 0 ? (int?)null : r.Index).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        cmd.Parameters.Add(new() { Value = rejections.Select(r => r.MessageId is null ? null : Storable(r.MessageId)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = rejections.Select(r => Storable(r.Reason)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = rejections.Select(r => r.Raw.ToArray()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<IReadOnlyList<QuarantinedMessage>> ListAsync(NpgsqlDataSource dataSource, int limit,
        string? sourceName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            select q.quarantine_id, s.name, q.received_at, q.path, q.batch_index, q.message_id, q.reason, q.raw, q.ip
            from ingest.quarantine q left join ingest.sources s on s.source_id = q.source_id
            where $1::text is null or s.name = $1
            order by q.quarantine_id desc
            limit $2
            """);
        cmd.Parameters.Add(new() { Value = sourceName is null ? DBNull.Value : sourceName, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<QuarantinedMessage>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new QuarantinedMessage(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetFieldValue<byte[]>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return list;
    }

    private static string Storable(string s) => Json.SafeJsonParser.MakeStorable(s);
}
