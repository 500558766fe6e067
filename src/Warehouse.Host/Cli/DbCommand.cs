using System.CommandLine;
using System.Diagnostics;
using Npgsql;

namespace Warehouse.Host.Cli;

/// <summary>`warehouse db url|psql`: so a user can always find their data, embedded or not.</summary>
public static class DbCommand
{
    public static Command Build()
    {
        var db = new Command("db", "Find the database in use.");

        var url = new Command("url", "Print the connection string of the database in use (embedded or configured).");
        url.WithDatabaseOptions();
        url.SetAction(async (parse, ct) =>
        {
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            Console.WriteLine(database.ConnectionString);
            if (database.IsEmbedded)
                await Console.Error.WriteLineAsync(
                    "note: the embedded cluster stops when the last warehouse process using it exits; " +
                    "keep `warehouse serve` running (or use `warehouse db psql`) to connect with other tools.");
            return 0;
        });

        var psql = new Command("psql", "Open psql on the database in use.");
        psql.WithDatabaseOptions();
        psql.SetAction(async (parse, ct) =>
        {
            await using var database = await DatabaseCliOptions.OpenDatabaseAsync(parse, ct);
            var csb = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            var psi = new ProcessStartInfo("psql") { UseShellExecute = false };
            psi.ArgumentList.Add("--host=" + csb.Host);
            psi.ArgumentList.Add("--port=" + csb.Port);
            if (csb.Username is not null) psi.ArgumentList.Add("--username=" + csb.Username);
            if (csb.Database is not null) psi.ArgumentList.Add("--dbname=" + csb.Database);
            if (csb.Password is not null) psi.Environment["PGPASSWORD"] = csb.Password;
            Process process;
            try
            {
                process = Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new CliUsageException("psql was not found on PATH; install it (Debian/Ubuntu: apt-get install postgresql-client) " +
                                            "or connect with the string from `warehouse db url`.");
            }
            using (process)
            {
                await process.WaitForExitAsync(CancellationToken.None);
                return process.ExitCode;
            }
        });

        db.Subcommands.Add(url);
        db.Subcommands.Add(psql);
        return db;
    }
}
