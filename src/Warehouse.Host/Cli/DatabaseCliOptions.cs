using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Warehouse.Database;
using Warehouse.Host.Hosting;

namespace Warehouse.Host.Cli;

/// <summary>--db and --data-dir, taken the same way by every verb that touches the database.</summary>
public static class DatabaseCliOptions
{
    public static readonly Option<string?> Db = new("--db")
    {
        Description = "Npgsql connection string of an existing PostgreSQL 15+ database (default: WAREHOUSE_DB, " +
                      "else the embedded cluster).",
    };

    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Folder of the embedded PostgreSQL cluster (default: ./.warehouse/pg).",
    };

    public static T WithDatabaseOptions<T>(this T command) where T : Command
    {
        command.Options.Add(Db);
        command.Options.Add(DataDir);
        return command;
    }

    /// <summary>Configuration with the options of this invocation laid over every other source.</summary>
    public static IConfigurationRoot Configuration(ParseResult parse, IReadOnlyDictionary<string, string?>? more = null)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(Db) is { Length: > 0 } db) overrides["Database:ConnectionString"] = db;
        if (parse.GetValue(DataDir) is { Length: > 0 } dir) overrides["Database:DataDirectory"] = dir;
        if (more is not null) foreach (var (k, v) in more) overrides[k] = v;
        return WarehouseConfiguration.Build(overrides);
    }

    public static DatabaseOptions DatabaseOptionsFrom(IConfiguration configuration)
    {
        var options = new DatabaseOptions();
        configuration.GetSection(DatabaseOptions.Section).Bind(options);
        return options;
    }

    /// <summary>Opens the configured database, or starts/joins the embedded cluster; dispose to release it.</summary>
    public static async Task<WarehouseDatabase> OpenDatabaseAsync(ParseResult parse, CancellationToken ct)
    {
        var options = DatabaseOptionsFrom(Configuration(parse));
        return await WarehouseDatabase.OpenAsync(options, CliLogging.Factory.CreateLogger("Warehouse.Database"), ct);
    }
}
