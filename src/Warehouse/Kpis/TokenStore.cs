using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Warehouse.Kpis;

/// <summary>A verified bearer token: who it was issued to and what it may do.</summary>
public sealed record ApiToken(string Id, string Name, IReadOnlyList<string> Scopes)
{
    public bool Allows(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);
}

/// <summary>
/// API bearer tokens "wht_&lt;id&gt;_&lt;secret&gt;". Only the SHA-256 of the secret is stored (access.api_tokens): the
/// secret has 256 random bits, so a fast hash is enough (no password stretching needed), and a stolen table
/// gives no usable token. The id makes lookup one indexed read; comparison is constant-time.
/// </summary>
public static class TokenStore
{
    public const string KpiRead = "kpi:read";
    public static IReadOnlyList<string> KnownScopes { get; } = [KpiRead, "admin"];
    private const string Prefix = "wht_";

    public static async Task<string> CreateAsync(NpgsqlDataSource dataSource, string name, IReadOnlyCollection<string> scopes, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A token needs a name (who or what uses it).", nameof(name));
        var unknown = scopes.Where(s => !KnownScopes.Contains(s, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0 || scopes.Count == 0)
            throw new ArgumentException($"Unknown or missing scope ({string.Join(", ", unknown)}); known scopes: {string.Join(", ", KnownScopes)}.", nameof(scopes));
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var cmd = dataSource.CreateCommand(
            "insert into access.api_tokens (token_id, name, secret_hash, scopes) values ($1, $2, $3, $4)");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = name.Trim() });
        cmd.Parameters.Add(new() { Value = Hash(secret) });
        cmd.Parameters.Add(new() { Value = scopes.Distinct(StringComparer.Ordinal).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
        return $"{Prefix}{id}_{secret}";
    }

    /// <returns>The token's grant, or null when it is malformed, unknown, revoked or its secret does not match.</returns>
    public static async Task<ApiToken?> VerifyAsync(NpgsqlDataSource dataSource, string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = token[Prefix.Length..];
        var cut = rest.IndexOf('_', StringComparison.Ordinal);
        if (cut <= 0 || cut == rest.Length - 1) return null;
        var (id, secret) = (rest[..cut], rest[(cut + 1)..]);
        await using var cmd = dataSource.CreateCommand(
            "select name, secret_hash, scopes from access.api_tokens where token_id = $1 and revoked_at is null");
        cmd.Parameters.Add(new() { Value = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var stored = reader.GetFieldValue<byte[]>(1);
        if (!CryptographicOperations.FixedTimeEquals(stored, Hash(secret))) return null;
        return new ApiToken(id, reader.GetString(0), reader.GetFieldValue<string[]>(2));
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
