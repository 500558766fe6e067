using System.Text.RegularExpressions;
using Npgsql;

namespace Warehouse.Ingestion;

/// <summary>
/// Sources and their write keys in ingest.sources. Used by `warehouse sources`, by other verbs that need a
/// source (demo, simulate) and, through <see cref="SourceCache"/>, by the ingestion endpoints.
/// </summary>
public static partial class SourceRegistry
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ValidName();

    /// <summary>Creates a source and returns its new write key (shown once; only its hash is kept).</summary>
    public static async Task<string> CreateAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct,
        IReadOnlyList<string>? allowedOrigins = null)
    {
        if (!ValidName().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a valid source name: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.", nameof(name));
        var key = WriteKeys.Generate();
        await using var cmd = dataSource.CreateCommand("""
            insert into ingest.sources (name, write_key_hash, key_prefix, allowed_origins)
            values ($1, $2, $3, $4) on conflict (name) do nothing
            """);
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = WriteKeys.Hash(key) });
        cmd.Parameters.Add(new() { Value = WriteKeys.Display(key) });
        cmd.Parameters.Add(new() { Value = allowedOrigins is null ? DBNull.Value : allowedOrigins.Select(o => o.TrimEnd('/')).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            throw new SourceExistsException($"A source named '{name}' already exists (revoked sources keep their name); pick another name.");
        return key;
    }

    public static async Task<IReadOnlyList<Source>> ListAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from ingest.sources order by name");
        return await ReadAsync(cmd, ct);
    }

    /// <returns>False when no active source has that name.</returns>
    public static async Task<bool> RevokeAsync(NpgsqlDataSource dataSource, string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update ingest.sources set revoked_at = now() where name = $1 and revoked_at is null");
        cmd.Parameters.Add(new() { Value = name });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The source (possibly revoked) whose write key this is, or null.</summary>
    public static async Task<Source?> FindByKeyAsync(NpgsqlDataSource dataSource, string writeKey, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {Columns} from ingest.sources where write_key_hash = $1");
        cmd.Parameters.Add(new() { Value = WriteKeys.Hash(writeKey) });
        var found = await ReadAsync(cmd, ct);
        return found.Count == 0 ? null : found[0];
    }

    private const string Columns = "source_id, name, allowed_origins, created_at, revoked_at, key_prefix";

    private static async Task<IReadOnlyList<Source>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<Source>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Source(reader.GetInt64(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5)));
        }
        return list;
    }
}

public sealed class SourceExistsException(string message) : Exception(message);
