using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Warehouse.Database.Migrations;

/// <summary>One SQL file embedded in the core assembly, addressed by its path under sql/.</summary>
public sealed record SqlScript(string Path, string Sql)
{
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>SHA-256 of the text with line endings normalised, so a checkout with CRLF still matches.</summary>
    public string Checksum => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal)))).ToLowerInvariant();
}

/// <summary>The SQL that ships inside the assembly: sql/migrations, sql/views and sql/tests.</summary>
public static class SqlScripts
{
    private static readonly Assembly Assembly = typeof(SqlScripts).Assembly;

    /// <summary>sql/migrations/NNNN_*.sql in file-name order.</summary>
    public static IReadOnlyList<SqlScript> Migrations() => Load("sql/migrations/");

    /// <summary>sql/views/** in path order: the layer folders (10_staging, 20_kpi, ...) give the order.</summary>
    public static IReadOnlyList<SqlScript> Views() => Load("sql/views/");

    /// <summary>sql/tests/assert_*.sql: each returns the rows that break a rule (zero rows = pass).</summary>
    public static IReadOnlyList<SqlScript> DataTests() => Load("sql/tests/");

    private static List<SqlScript> Load(string prefix) =>
        Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = Assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return new SqlScript(n, reader.ReadToEnd());
            })
            .ToList();
}
