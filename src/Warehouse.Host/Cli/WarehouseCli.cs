using System.CommandLine;
using Npgsql;
using Warehouse.Database.Embedded;
using Warehouse.Database.Migrations;
using Warehouse.Host.Cli.Bench;

namespace Warehouse.Host.Cli;

/// <summary>The verbs of `warehouse`, one file each in Cli/; this is their table of contents.</summary>
public static class WarehouseCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Warehouse: an event-sourced interaction warehouse. Trackers post events over HTTP; every event lands " +
            "once in a PostgreSQL event store; projections fold them into a star schema; KPI views report on it.");
        root.Subcommands.Add(ServeCommand.Build());
        root.Subcommands.Add(MigrateCommand.Build());
        root.Subcommands.Add(DbCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        root.Subcommands.Add(ProjectionsCommand.Build());
        root.Subcommands.Add(ImportCommand.Build());
        root.Subcommands.Add(SourcesCommand.Build());
        root.Subcommands.Add(QuarantineCommand.Build());
        root.Subcommands.Add(KpiCommand.Build());
        root.Subcommands.Add(TokensCommand.Build());
        root.Subcommands.Add(Simulate.SimulateCommand.Build());
        root.Subcommands.Add(Demo.DemoCommand.Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        using var shutdown = new ShutdownSignal();
        var parse = Build().Parse(args);
        // We own Ctrl+C and SIGTERM (ShutdownSignal), so that the embedded cluster is always stopped cleanly;
        // System.CommandLine would otherwise end the process two seconds after the signal.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Failures whose message already says what to do; anything else keeps its stack trace.</summary>
    private static bool IsUserFacing(Exception e) => e is PostgresNotInstalledException or EmbeddedPostgresException
        or MigrationDriftException or MigrationFailedException or NpgsqlException or CliUsageException;
}

/// <summary>A mistake in how a verb was called or what it was given; printed without a stack trace.</summary>
public sealed class CliUsageException(string message) : Exception(message);
