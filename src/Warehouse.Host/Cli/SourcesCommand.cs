using System.CommandLine;
using Npgsql;
using Warehouse.Ingestion;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse sources add|list|revoke`: tracker sources and their write keys.</summary>
public static class SourcesCommand
{
    public static Command Build()
    {
        var sources = new Command("sources", "Tracker sources and their write keys (HTTP Basic user name, or writeKey in the body).");

        var name = new Argument<string>("name") { Description = "Source name: letters, digits, '.', '_' or '-' (e.g. web, ios-app)." };
        var origins = new Option<string[]>("--allowed-origin")
        {
            Description = "A browser origin (https://shop.example) allowed to post cross-origin; repeat it for more. Default: any origin.",
            AllowMultipleArgumentsPerToken = true,
        };
        var add = new Command("add", "Create a source and print its write key on the last line (shown once; only a hash is stored).") { name, origins };
        add.WithDatabaseOptions();
        add.SetAction((parse, ct) => WithDataSourceAsync(parse, ct, async ds =>
        {
            var allowed = parse.GetValue(origins) is { Length: > 0 } o ? o : null;
            string key;
            try
            {
                key = await SourceRegistry.CreateAsync(ds, parse.GetValue(name)!, ct, allowed);
            }
            catch (Exception e) when (e is ArgumentException or SourceExistsException)
            {
                throw new CliUsageException(e.Message);
            }
            await Console.Error.WriteLineAsync($"Created source '{parse.GetValue(name)}'. Its write key follows; store it now, it cannot be shown again.");
            Console.WriteLine(key);
            return 0;
        }));

        var list = new Command("list", "List sources: name, key prefix, allowed origins, created, revoked.");
        list.WithDatabaseOptions();
        list.SetAction((parse, ct) => WithDataSourceAsync(parse, ct, async ds =>
        {
            var all = await SourceRegistry.ListAsync(ds, ct);
            if (all.Count == 0)
            {
                Console.WriteLine("No sources yet; create one with `warehouse sources add <name>`.");
                return 0;
            }
            CliTable.Write(["name", "key", "allowed origins", "created", "status"], all.Select(s => new[]
            {
                s.Name, s.KeyPrefix, s.AllowedOrigins is null ? "any" : string.Join(" ", s.AllowedOrigins),
                s.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                s.RevokedAt is { } r ? "revoked " + r.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "active",
            }));
            return 0;
        }));

        var revoke = new Command("revoke", "Revoke a source's write key: its requests get 401 from then on (within the cache period, 10 s).") { name };
        revoke.WithDatabaseOptions();
        revoke.SetAction((parse, ct) => WithDataSourceAsync(parse, ct, async ds =>
        {
            var n = parse.GetValue(name)!;
            if (!await SourceRegistry.RevokeAsync(ds, n, ct))
                throw new CliUsageException($"No active source named '{n}'; `warehouse sources list` shows them.");
            Console.WriteLine($"Revoked source '{n}'.");
            return 0;
        }));

        sources.Subcommands.Add(add);
        sources.Subcommands.Add(list);
        sources.Subcommands.Add(revoke);
        return sources;
    }

    /// <summary>
    /// Opens the database (embedded or configured) and runs <paramref name="action"/>. It does not migrate:
    /// migrating re-creates the kpi views under running dashboards, which a key change must not do.
    /// </summary>
    internal static async Task<int> WithDataSourceAsync(ParseResult parse, CancellationToken ct, Func<NpgsqlDataSource, Task<int>> action)
    {
        await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
        await using var dataSource = database.CreateDataSource("warehouse-cli");
        try
        {
            return await action(dataSource);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            throw new CliUsageException("The database has no ingestion tables yet; run `warehouse migrate` (or `warehouse serve`) first.");
        }
    }
}
