namespace Warehouse.Database.Embedded;

/// <summary>
/// Finds the PostgreSQL server programs (initdb, pg_ctl, postgres): PATH first, then
/// /usr/lib/postgresql/*/bin with the newest major version first, the Debian/Ubuntu layout.
/// </summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    public const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin. " +
        "Install them (Debian/Ubuntu: `apt-get install postgresql-15`, or any PostgreSQL 15+ server package; " +
        "macOS: `brew install postgresql@15`), or point Warehouse at an existing server with " +
        "--db \"Host=...;Username=...;Password=...;Database=...\" or the WAREHOUSE_DB environment variable.";

    /// <summary>Overrides /usr/lib/postgresql as the folder of versioned installs (other layouts; tests).</summary>
    public const string SearchRootVariable = "WAREHOUSE_POSTGRES_SEARCH_ROOT";

    public static PostgresBinaries? Find(string? pathVariable = null, string? searchRoot = null)
    {
        pathVariable ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        searchRoot ??= Environment.GetEnvironmentVariable(SearchRootVariable) ?? "/usr/lib/postgresql";
        foreach (var dir in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var found = FromDirectory(dir);
            if (found is not null) return found;
        }

        if (!Directory.Exists(searchRoot)) return null;
        var versions = Directory.GetDirectories(searchRoot)
            .Select(d => (dir: d, version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(v => v.version >= 0)
            .OrderByDescending(v => v.version);
        foreach (var (dir, _) in versions)
        {
            var found = FromDirectory(Path.Combine(dir, "bin"));
            if (found is not null) return found;
        }
        return null;
    }

    public static PostgresBinaries FindOrThrow() => Find() ?? throw new PostgresNotInstalledException(InstallHint);

    /// <summary>A PATH entry counts only when both programs are there and pg_ctl resolves to a real server install.</summary>
    private static PostgresBinaries? FromDirectory(string dir)
    {
        var initdb = Path.Combine(dir, "initdb");
        var pgCtl = Path.Combine(dir, "pg_ctl");
        if (!File.Exists(initdb) || !File.Exists(pgCtl)) return null;
        // /usr/local/bin may hold symlinks to the versioned bin folder; pg_ctl finds postgres beside its real path.
        var real = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
        var realDir = Path.GetDirectoryName(real)!;
        if (File.Exists(Path.Combine(realDir, "postgres"))) return new PostgresBinaries(realDir);
        return File.Exists(Path.Combine(dir, "postgres")) ? new PostgresBinaries(dir) : null;
    }
}

public sealed class PostgresNotInstalledException(string message) : Exception(message);
